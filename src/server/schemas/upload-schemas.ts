import { z } from '@hono/zod-openapi';
import { text } from './common-schemas.ts';
import { DocumentSchema, KnowledgeBaseParamsSchema } from './knowledge-schemas.ts';

export const UploadSettingsSchema = z
  .object({
    direct: z.boolean().openapi({
      description:
        'True when files go straight to object storage (POST /api/knowledge-bases/{name}/uploads), as on AWS Lambda, whose requests stop at 6 MB; false when they are sent to POST …/documents.',
    }),
    maxUploadBytes: z
      .number()
      .openapi({ description: 'Largest file accepted, in bytes (server.maxUploadBytes).' }),
    maxRequestBytes: z.number().nullable().openapi({
      description:
        'Largest multipart request this deployment can receive, in bytes; null when only maxUploadBytes applies.',
    }),
  })
  .openapi('UploadSettings');

export const CreateUploadSchema = z
  .strictObject({
    filename: text(255).openapi({
      example: 'handbook.pdf',
      description:
        'The file name, which becomes the document source; folders may precede it (`policies/leave.pdf`), without empty, "." or ".." parts.',
    }),
    bytes: z
      .number({ error: 'expected the file size in bytes' })
      .int('expected a whole number of bytes')
      .openapi({ description: 'The exact size of the file; S3 refuses a body of any other size.' }),
    contentType: text(200)
      .optional()
      .openapi({ description: 'The media type; default: from the file name.', example: 'application/pdf' }),
    sha256: z
      .string({ error: 'expected a string' })
      .regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the file as 64 lower-case hex digits')
      .optional()
      .openapi({
        description:
          'The SHA-256 of the file; when a ready document of the same source has it, nothing is uploaded (200, status `unchanged`).',
      }),
  })
  .openapi('CreateUpload');

export const UploadParamsSchema = KnowledgeBaseParamsSchema.extend({
  id: text(200).openapi({ param: { name: 'id', in: 'path' } }),
});

export const UnchangedUploadSchema = z
  .object({ status: z.literal('unchanged'), source: z.string(), document: DocumentSchema })
  .openapi('UnchangedUpload');

export const SignedUploadSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    key: z.string().openapi({ description: 'incoming/<tenant>/<knowledge-base>/<id>/<filename>' }),
    method: z.literal('PUT'),
    url: z.string().openapi({ description: 'The presigned URL; send the file as the body.' }),
    headers: z.record(z.string(), z.string()).openapi({ description: 'Headers the PUT must carry.' }),
    bytes: z.number(),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    statusUrl: z.string().openapi({ description: 'GET it to follow the upload until it is ingested.' }),
    replaces: z.boolean().openapi({
      description:
        'Whether the knowledge base already holds a document of this name, which the upload replaces.',
    }),
  })
  .openapi('SignedUpload');

export const UploadStatusSchema = z
  .object({
    id: z.string(),
    status: z.enum(['awaiting-upload', 'queued', 'processing', 'ready', 'failed']).openapi({
      description:
        '`awaiting-upload` until the file is in the bucket; `queued` until the Ingest function takes it; then the document status.',
    }),
    source: z.string().nullable(),
    bytes: z.number().nullable(),
    document: DocumentSchema.nullable(),
  })
  .openapi('UploadStatus');
