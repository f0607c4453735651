import { describe, expect, it } from 'vitest';
import { pickDefaultKnowledgeBase } from './default-knowledge-base.ts';

describe('pickDefaultKnowledgeBase', () => {
  it('starts a new browser on the sample knowledge base rather than plain chat', () => {
    expect(pickDefaultKnowledgeBase(null, ['handbook'])).toBe('handbook');
    expect(pickDefaultKnowledgeBase(null, ['contracts', 'handbook', 'policies'])).toBe('handbook');
  });

  it('keeps the knowledge base last chosen in this browser', () => {
    expect(pickDefaultKnowledgeBase('policies', ['handbook', 'policies'])).toBe('policies');
  });

  it('keeps plain chat when that was the last choice', () => {
    expect(pickDefaultKnowledgeBase('', ['handbook'])).toBe('');
  });

  it('takes the only knowledge base when the remembered one was deleted', () => {
    expect(pickDefaultKnowledgeBase('gone', ['contracts'])).toBe('contracts');
  });

  it('falls back to plain chat when there is no clear choice', () => {
    expect(pickDefaultKnowledgeBase(null, [])).toBe('');
    expect(pickDefaultKnowledgeBase('gone', ['contracts', 'policies'])).toBe('');
  });
});
