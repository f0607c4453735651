import { describe, expect, it } from 'vitest';
import { answeringModel } from './answering-model.ts';

describe('answeringModel', () => {
  it('prefers the fallback that answered, then the routed model, then the requested one', () => {
    const requested = 'bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0';
    expect(answeringModel(requested, undefined)).toBe(requested);
    expect(answeringModel(requested, { other: { x: 1 } })).toBe(requested);
    expect(answeringModel(requested, { godwit: { routedTo: 'bedrock:haiku' } })).toBe('bedrock:haiku');
    expect(
      answeringModel(requested, { godwit: { routedTo: 'bedrock:haiku', answeredBy: 'openai:gpt-4.1-mini' } }),
    ).toBe('openai:gpt-4.1-mini');
    expect(answeringModel(requested, { godwit: { answeredBy: 42 } })).toBe(requested);
  });
});
