/** A document's original file (download) and re-indexing it from that file. */
import { createRoute } from '@hono/zod-openapi';
import { IngestError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import { DocumentParamsSchema, IngestOutcomeSchema } from '../schemas/knowledge-schemas.ts';
import { ingestOutcomeView } from '../views.ts';

const tags = ['knowledge'];

const fileRoute = createRoute({
  method: 'get',
  path: '/api/knowledge-bases/{name}/documents/{id}/file',
  tags,
  summary: "The document's original file, as uploaded",
  request: { params: DocumentParamsSchema },
  responses: {
    200: {
      description: 'The original bytes, with their media type',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    404: errorResponse('Unknown knowledge base or document, or the original file was not kept'),
  },
});

const reindexRoute = createRoute({
  method: 'post',
  path: '/api/knowledge-bases/{name}/documents/{id}/reindex',
  tags,
  summary: 'Parse, chunk and embed the document again from its original file',
  request: { params: DocumentParamsSchema },
  responses: {
    200: { description: 'Re-indexed', content: { 'application/json': { schema: IngestOutcomeSchema } } },
    404: errorResponse('Unknown knowledge base or document, or the original file was not kept'),
    422: errorResponse('The file could not be ingested; the document is marked failed with the reason'),
  },
});

/** `inline` so browsers show PDFs and text in place; the name is kept for "save as". */
export function contentDisposition(source: string): string {
  const name = source.split(/[\\/]/).pop() || 'document';
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `inline; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerDocumentFileRoutes(app: GodwitApp, services: GodwitServices): void {
  app.openapi(fileRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    const file = await services.knowledge.originalFile(c.var.tenantId, name, id);
    // The original bytes may be HTML or SVG: never let them run as this origin's page.
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': file.contentType,
      'content-disposition': contentDisposition(file.document.source),
      'content-security-policy': "sandbox; default-src 'none'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-cache',
    }) as never;
  });

  app.openapi(reindexRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    const outcome = ingestOutcomeView(await services.knowledge.reindexDocument(c.var.tenantId, name, id));
    if (outcome.status === 'failed') {
      throw new IngestError(`"${outcome.source}" could not be re-indexed: ${outcome.error}`, {
        details: { result: outcome },
      });
    }
    return c.json(outcome, 200);
  });
}
