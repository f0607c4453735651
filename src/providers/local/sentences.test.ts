import { describe, expect, it } from 'vitest';
import { splitSentences } from './sentences.ts';

describe('splitSentences', () => {
  it('splits prose at sentence ends but keeps abbreviations and decimals whole', () => {
    expect(splitSentences('Use e.g. the portal. Accrual is 1.67 days a month. Ask HR!')).toEqual([
      'Use e.g. the portal.',
      'Accrual is 1.67 days a month.',
      'Ask HR!',
    ]);
  });

  it('treats lines, list items and table rows as units', () => {
    expect(
      splitSentences('- First item\n2. Second item\n| Topic | File |\n|---|---|\n| Leave | leave.md |'),
    ).toEqual(['First item', 'Second item', 'Topic; File', 'Leave; leave.md']);
  });
});
