import { describe, expect, it } from 'vitest';
import { canonicalJson, conversationDigest, knowledgeDigest, recordKey, vectorDigest } from './records.ts';

describe('record identity and checksums', () => {
  it('keys a record by source, and a later chunk by source#position', () => {
    expect(recordKey({ source: 'doc', position: 0 })).toBe('doc');
    expect(recordKey({ source: 'doc', position: 2 })).toBe('doc#2');
  });

  it('serialises canonically: key order ignored, 1 equals 1.0, undefined dropped', () => {
    expect(canonicalJson({ b: 1.0, a: [{ d: null, c: 'x' }], skip: undefined })).toBe(
      '{"a":[{"c":"x","d":null}],"b":1}',
    );
  });

  it('treats absent metadata as {} and compares vectors at float32 precision', () => {
    const base = { source: 's', position: 0, text: 't', location: {}, embedding: [0.1, 0.2] };
    expect(knowledgeDigest({ ...base, metadata: {} })).toEqual(
      knowledgeDigest({ ...base, metadata: null as never }),
    );
    expect(vectorDigest([0.1, 0.2])).toBe(vectorDigest([Math.fround(0.1), Math.fround(0.2)]));
    expect(vectorDigest([0.1, 0.2])).not.toBe(vectorDigest([0.1, 0.2001]));
    expect(knowledgeDigest({ ...base, metadata: { a: 1 } }).metadata).not.toBe(
      knowledgeDigest({ ...base, metadata: { a: '1' } }).metadata,
    );
  });

  it("leaves a conversation's updatedAt out of its digest (stores derive it)", () => {
    const conversation = {
      id: 'c',
      tenantId: 't',
      userId: 'u',
      title: 'x',
      knowledgeBase: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
    expect(conversationDigest({ conversation, messages: [] })).toBe(
      conversationDigest({ conversation: { ...conversation, updatedAt: new Date(5) }, messages: [] }),
    );
    expect(conversationDigest({ conversation, messages: [] })).not.toBe(
      conversationDigest({ conversation: { ...conversation, title: 'y' }, messages: [] }),
    );
  });
});
