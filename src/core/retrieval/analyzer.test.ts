import { describe, expect, it } from 'vitest';
import { analyze, tokenize } from './analyzer.ts';

describe('analyze', () => {
  it('lower-cases, drops Lucene English stop words and stems with Porter', () => {
    expect(analyze("The patients' outcomes improved")).toEqual(['patient', 'outcom', 'improv']);
  });

  it('keeps the parts of hyphenated words and numbers as separate terms', () => {
    expect(analyze('IL-6 rose 3.5-fold in 1,000 mice')).toEqual([
      'il',
      '6',
      'rose',
      '3',
      '5',
      'fold',
      '1',
      '000',
      'mice',
    ]);
  });

  it('emits letters and digits only, whatever the input', () => {
    const terms = analyze('naïve T-cells (CD4+) — ½ dose; e-mail: x@y.z “quoted” ﬁnal');
    expect(terms.length).toBeGreaterThan(0);
    for (const term of terms) expect(term).toMatch(/^[\p{L}\p{N}]+$/u);
  });
});

describe('tokenize', () => {
  it('returns the unstemmed words that analyze stems', () => {
    expect(tokenize('Mice were treated with statins')).toEqual(['mice', 'were', 'treated', 'statins']);
    expect(analyze('Mice were treated with statins')).toEqual(['mice', 'were', 'treat', 'statin']);
  });
});
