import { z } from '@hono/zod-openapi';
import { text } from './common-schemas.ts';

export const KnowledgeBaseSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    embeddingModel: z.string().nullable().openapi({ description: 'Null when the base is keyword-only.' }),
    embeddingVersion: z.string().nullable(),
    embeddingDimension: z.number().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    stats: z.object({ documents: z.number(), chunks: z.number(), failed: z.number() }),
    source: z.enum(['godwit', 'bedrock']).openapi({
      description:
        '`bedrock`: a Bedrock Knowledge Base (searched there; its documents are managed in Bedrock).',
    }),
    readOnly: z.boolean().openapi({ description: 'Uploads and deletions are refused (409).' }),
    externalId: z.string().optional().openapi({ description: 'The Bedrock Knowledge Base id.' }),
    answerMode: z.enum(['retrieve', 'retrieveAndGenerate']).optional().openapi({
      description:
        'A Bedrock Knowledge Base only. `retrieve`: grounded chat is answered by the chat model from retrieved passages; `retrieveAndGenerate`: by Bedrock (RetrieveAndGenerate), its citations as sources.',
    }),
  })
  .openapi('KnowledgeBase');

export const KnowledgeBaseListSchema = z
  .object({ knowledgeBases: z.array(KnowledgeBaseSchema) })
  .openapi('KnowledgeBaseList');

export const CreateKnowledgeBaseSchema = z
  .strictObject({
    name: text(63).openapi({ example: 'handbook', description: 'Lower-case letters, digits, "-" and "_".' }),
    description: z
      .string({ error: 'expected a string' })
      .max(2000, 'expected at most 2000 characters')
      .optional(),
    embeddingModel: text(200)
      .nullable()
      .optional()
      .openapi({ description: 'Default: the configured embedding model; null for keyword-only.' }),
  })
  .openapi('CreateKnowledgeBase');

export const KnowledgeBaseParamsSchema = z.object({
  name: text(63).openapi({ param: { name: 'name', in: 'path' } }),
});

export const DocumentParamsSchema = KnowledgeBaseParamsSchema.extend({
  id: text(200).openapi({ param: { name: 'id', in: 'path' } }),
});

export const DocumentSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    mimeType: z.string(),
    sha256: z.string(),
    bytes: z.number(),
    status: z.enum(['queued', 'processing', 'ready', 'failed']),
    error: z.string().nullable(),
    chunkCount: z.number(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Document');

export const DocumentListSchema = z.object({ documents: z.array(DocumentSchema) }).openapi('DocumentList');

export const IngestOutcomeSchema = z
  .object({
    source: z.string(),
    status: z.enum(['created', 'updated', 'unchanged', 'failed']),
    documentId: z.string().nullable(),
    chunks: z.number(),
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
  })
  .openapi('IngestOutcome');

export const UploadResponseSchema = z
  .object({ results: z.array(IngestOutcomeSchema) })
  .openapi('UploadResponse');

/** Documentation only: the upload is read by the handler, which enforces size limits while reading. */
export const UploadFormSchema = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: {
      type: 'array' as const,
      items: { type: 'string' as const, format: 'binary' },
      description: 'One or more files; each file name becomes the document source.',
    },
  },
};
