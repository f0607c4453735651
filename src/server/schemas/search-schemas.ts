import { z } from '@hono/zod-openapi';
import { boundedInteger, DocumentIdsSchema, LocationSchema, text } from './common-schemas.ts';

const MetadataValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'expected a string, number, boolean or null',
});

export const SearchRequestSchema = z
  .strictObject({
    query: text(4000).openapi({ example: 'parental leave policy' }),
    knowledgeBase: text(63).openapi({ example: 'handbook' }),
    k: boundedInteger(1, 100).default(8),
    mode: z
      .enum(['keyword', 'vector', 'hybrid'], { error: 'expected "keyword", "vector" or "hybrid"' })
      .optional()
      .openapi({
        description: 'Default: hybrid when the knowledge base has usable embeddings, else keyword.',
      }),
    documentIds: DocumentIdsSchema.optional().openapi({
      description:
        'Search only these documents of the knowledge base. Unknown ids are refused with 400 naming them (`filter.documentIds` filters without that check).',
    }),
    filter: z
      .strictObject({
        sources: z.array(text(2000)).optional(),
        documentIds: z.array(text(200)).optional(),
        metadata: z
          .record(z.string(), MetadataValueSchema)
          .optional()
          .openapi({ description: 'Equality on chunk metadata.' }),
      })
      .optional(),
  })
  .openapi('SearchRequest');

export const SearchResultSchema = z
  .object({
    source: z.string(),
    location: LocationSchema,
    score: z.number(),
    text: z.string(),
    documentId: z.string(),
    chunkId: z.string(),
  })
  .openapi('SearchResult');

export const SearchResponseSchema = z
  .object({ results: z.array(SearchResultSchema) })
  .openapi('SearchResponse');
