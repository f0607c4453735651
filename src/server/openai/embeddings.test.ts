import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../core/models.ts';
import type { UsageEntry } from '../../core/types.ts';
import { createEmbeddings, toBase64Float32 } from './embeddings.ts';

const embedder: Embedder = {
  model: 'test:three',
  version: '1',
  dimension: 3,
  embed: async (texts) => texts.map((text) => [text.length, 0.5, -2]),
};

function context(rows: UsageEntry[]) {
  return {
    tenantId: 'default',
    recordUsage: async (entry: UsageEntry) => void rows.push(entry),
    pricing: undefined,
    generateId: () => 'row-1',
    onLedgerFailure: () => {},
  };
}

describe('embeddings', () => {
  it('encodes vectors as little-endian float32 in base64', () => {
    const bytes = Buffer.from(toBase64Float32([1, -0.5, 3.25]), 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([1, -0.5, 3.25]);
  });

  it('answers one vector per input and records an unpriced embedding row', async () => {
    const rows: UsageEntry[] = [];
    const body = await createEmbeddings(
      embedder,
      { model: 'test:three', input: ['ab', 'abcd'], encoding_format: 'float' },
      context(rows),
      new AbortController().signal,
    );
    expect(body.data).toEqual([
      { object: 'embedding', index: 0, embedding: [2, 0.5, -2] },
      { object: 'embedding', index: 1, embedding: [4, 0.5, -2] },
    ]);
    expect(rows).toEqual([
      expect.objectContaining({ model: 'test:three', operation: 'embedding', costUsd: null, outcome: 'ok' }),
    ]);
  });

  it('refuses empty inputs and other dimensions, naming the field', async () => {
    const signal = new AbortController().signal;
    await expect(
      createEmbeddings(embedder, { model: 'test:three', input: ['a', ' '] }, context([]), signal),
    ).rejects.toMatchObject({
      details: { field: 'input[1]' },
    });
    await expect(
      createEmbeddings(embedder, { model: 'test:three', input: 'a', dimensions: 2 }, context([]), signal),
    ).rejects.toMatchObject({ details: { field: 'dimensions' } });
  });
});
