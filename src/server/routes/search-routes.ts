/** `POST /api/search`: ranked passages from one knowledge base, without calling a model. */
import { createRoute } from '@hono/zod-openapi';
import { ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { callerOf } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import { SearchRequestSchema, SearchResponseSchema } from '../schemas/search-schemas.ts';
import { searchResultView } from '../views.ts';

function searchRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/search',
    tags: ['knowledge'],
    summary: 'Search a knowledge base (keyword, vector or hybrid)',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: SearchRequestSchema } } } },
    responses: {
      200: {
        description: 'Best passages first',
        content: { 'application/json': { schema: SearchResponseSchema } },
      },
      400: errorResponse('Invalid request, or a mode the knowledge base cannot serve'),
      404: errorResponse('Unknown knowledge base'),
    },
  });
}

export function registerSearchRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number },
): void {
  app.openapi(searchRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(c.var.tenantId, body.knowledgeBase);
    if (body.documentIds && body.filter?.documentIds) {
      throw new ValidationError(
        'Send documentIds or filter.documentIds, not both: documentIds checks that every id is a document of the knowledge base.',
        { details: { field: 'documentIds' } },
      );
    }
    const filter = body.documentIds
      ? {
          ...body.filter,
          documentIds: await services.knowledge.requireDocumentIds(
            c.var.tenantId,
            knowledgeBase,
            body.documentIds,
          ),
        }
      : body.filter;
    const hits = await services.retriever.search(c.var.tenantId, {
      knowledgeBase,
      query: body.query,
      k: body.k,
      mode: body.mode,
      filter,
      abortSignal: c.req.raw.signal,
      caller: { userId: c.var.userId, apiKeyId: callerOf(c).apiKeyId },
    });
    return c.json({ results: hits.map(searchResultView) }, 200);
  });
}
