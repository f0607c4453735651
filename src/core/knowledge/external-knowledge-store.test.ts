import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../storage/memory/index.ts';
import { type ExternalKnowledgeBase, withExternalKnowledgeBases } from './external-knowledge-store.ts';

const policies: ExternalKnowledgeBase = {
  knowledgeBase: {
    id: 'bedrock:KB12345678',
    name: 'policies',
    description: 'HR policies',
    embeddingModel: null,
    embeddingVersion: null,
    embeddingDimension: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    external: { provider: 'bedrock', id: 'KB12345678', region: 'eu-west-1' },
  },
  search: async () => [],
};

describe('withExternalKnowledgeBases', () => {
  it('shows a configured base to every tenant, in place of a stored one of the same name', async () => {
    const { knowledge: stored } = createMemoryStorage();
    await stored.createKnowledgeBase('t1', { name: 'policies' });
    await stored.createKnowledgeBase('t1', { name: 'faq' });
    const knowledge = withExternalKnowledgeBases(stored, [policies]);
    const names = (await knowledge.listKnowledgeBases('t1')).map((base) => [
      base.name,
      base.external?.id ?? null,
    ]);
    expect(names).toEqual([
      ['faq', null],
      ['policies', 'KB12345678'],
    ]);
    expect(await knowledge.getKnowledgeBase('t2', 'policies')).toMatchObject({
      tenantId: 't2',
      external: { id: 'KB12345678' },
    });
    expect(await knowledge.knowledgeBaseStats('t1', 'bedrock:KB12345678')).toEqual({
      documents: 0,
      chunks: 0,
      failed: 0,
    });
    expect(await knowledge.listDocuments('t1', 'bedrock:KB12345678')).toEqual([]);
  });

  it('refuses to create a stored base under a configured name, and leaves others alone', async () => {
    const { knowledge: stored } = createMemoryStorage();
    const knowledge = withExternalKnowledgeBases(stored, [policies]);
    await expect(knowledge.createKnowledgeBase('t1', { name: 'policies' })).rejects.toThrow(
      'Knowledge base "policies" is configured as a Bedrock Knowledge Base (knowledgeBases.policies); choose another name.',
    );
    expect(await stored.listKnowledgeBases('t1')).toEqual([]);
    await knowledge.createKnowledgeBase('t1', { name: 'faq' });
    expect((await stored.listKnowledgeBases('t1')).map((base) => base.name)).toEqual(['faq']);
  });
});
