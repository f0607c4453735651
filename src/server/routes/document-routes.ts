/** Documents of a knowledge base: list, upload (multipart, field `file`, repeatable), delete. */
import { createRoute } from '@hono/zod-openapi';
import { IngestError, ValidationError } from '../../core/errors.ts';
import type { IngestFile } from '../../core/knowledge/knowledge-service.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { recordAudit, recordAuditMany } from '../audit.ts';
import { type FormPart, multipartBody, readForm } from '../middleware/body-limits.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import {
  DocumentListSchema,
  DocumentParamsSchema,
  KnowledgeBaseParamsSchema,
  UploadFormSchema,
  UploadResponseSchema,
} from '../schemas/knowledge-schemas.ts';
import { documentView, ingestOutcomeView } from '../views.ts';

const tags = ['knowledge'];
const FILE_FIELD = 'file';
// Browsers send this for any type they do not know; the parser detects better from name and content.
const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';

const listRoute = createRoute({
  method: 'get',
  path: '/api/knowledge-bases/{name}/documents',
  tags,
  summary: 'List the documents of a knowledge base',
  request: { params: KnowledgeBaseParamsSchema },
  responses: {
    200: { description: 'Every document', content: { 'application/json': { schema: DocumentListSchema } } },
    404: errorResponse('Unknown knowledge base'),
  },
});

function uploadRoute(maxUploadBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/knowledge-bases/{name}/documents',
    tags,
    summary: 'Upload and ingest files; each file name becomes its document source',
    middleware: [multipartBody(maxUploadBytes)] as const,
    request: {
      params: KnowledgeBaseParamsSchema,
      body: { required: true, content: { 'multipart/form-data': { schema: UploadFormSchema } } },
    },
    responses: {
      200: {
        description: 'Nothing new: every file was unchanged, updated or skipped',
        content: { 'application/json': { schema: UploadResponseSchema } },
      },
      201: {
        description: 'At least one document was created',
        content: { 'application/json': { schema: UploadResponseSchema } },
      },
      400: errorResponse('No file, or a field that is not a file'),
      404: errorResponse('Unknown knowledge base'),
      413: errorResponse(`The upload is larger than the limit (${maxUploadBytes} bytes)`),
      415: errorResponse('Not multipart/form-data'),
      422: errorResponse('Every file failed; `details.results` says why for each'),
    },
  });
}

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/knowledge-bases/{name}/documents/{id}',
  tags,
  summary: 'Delete a document and its chunks',
  request: { params: DocumentParamsSchema },
  responses: { 204: { description: 'Deleted' }, 404: errorResponse('Unknown knowledge base or document') },
});

/** The files of the form, checked before anything is ingested so a bad request changes nothing. */
export function uploadedFiles(form: readonly FormPart[]): IngestFile[] {
  const unknown = new Set<string>();
  for (const part of form) if (part.field !== FILE_FIELD) unknown.add(part.field);
  if (unknown.size > 0) {
    const names = [...unknown].map((key) => `"${key}"`).join(', ');
    throw new ValidationError(`form: unknown field ${names}; send files in the field "file".`);
  }
  const entries = form.filter((part) => part.field === FILE_FIELD);
  if (entries.length === 0) {
    throw new ValidationError('file: is required; send one or more files in the multipart field "file".', {
      details: { field: FILE_FIELD },
    });
  }
  const seen = new Set<string>();
  const files: IngestFile[] = [];
  for (const [position, entry] of entries.entries()) {
    if (entry.kind === 'text') {
      throw new ValidationError(`file[${position}]: expected a file, got a text value.`, {
        details: { field: FILE_FIELD },
      });
    }
    if (!entry.name)
      throw new ValidationError(`file[${position}]: the file has no name; the name becomes its source.`);
    // A NUL or other control character cannot be stored in PostgreSQL text and hides names in listings.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(entry.name)) {
      throw new ValidationError(
        `file[${position}]: the file name ${JSON.stringify(entry.name)} holds a control character (NUL, newline…); rename the file.`,
        { details: { field: FILE_FIELD } },
      );
    }
    if (seen.has(entry.name))
      throw new ValidationError(`file[${position}]: "${entry.name}" is sent twice in this upload.`);
    seen.add(entry.name);
    const mimeType = entry.type && entry.type !== UNKNOWN_MEDIA_TYPE ? entry.type : undefined;
    files.push({ source: entry.name, bytes: entry.bytes, mimeType });
  }
  return files;
}

export function registerDocumentRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxUploadBytes: number },
): void {
  app.openapi(listRoute, async (c) => {
    const { name } = c.req.valid('param');
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(c.var.tenantId, name);
    const documents = await services.knowledgeStore.listDocuments(c.var.tenantId, knowledgeBase.id);
    return c.json({ documents: documents.map(documentView) }, 200);
  });

  app.openapi(uploadRoute(options.maxUploadBytes), async (c) => {
    const { name } = c.req.valid('param');
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(c.var.tenantId, name);
    const files = uploadedFiles(await readForm(c));
    // Several files are written in batches (one transaction for the lot, not one per file); each still
    // fails alone, with its own outcome.
    const outcomes =
      files.length === 1
        ? [await services.knowledge.ingest(c.var.tenantId, knowledgeBase, files[0]!)]
        : await services.knowledge.ingestMany(c.var.tenantId, knowledgeBase, files, { lookupEach: true });
    const results = outcomes.map(ingestOutcomeView);
    await recordAuditMany(
      c,
      services,
      'document.upload',
      results.map((outcome) => ({
        target: `${name}/${outcome.source}`,
        details: {
          knowledgeBase: name,
          source: outcome.source,
          status: outcome.status,
          documentId: outcome.documentId ?? null,
        },
      })),
    );
    if (results.every((outcome) => outcome.status === 'failed')) {
      const reasons = results.map((outcome) => `${outcome.source}: ${outcome.error}`).join('; ');
      throw new IngestError(`No file could be ingested. ${reasons}`, { details: { results } });
    }
    const created = results.some((outcome) => outcome.status === 'created');
    return created ? c.json({ results }, 201) : c.json({ results }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    await services.knowledge.deleteDocument(c.var.tenantId, name, id);
    await recordAudit(c, services, 'document.delete', `${name}/${id}`, {
      knowledgeBase: name,
      documentId: id,
    });
    return c.body(null, 204);
  });
}
