/** Knowledge bases: list with stats, create, read, delete. Documents live in document-routes.ts. */
import { createRoute } from '@hono/zod-openapi';
import { ConfigError, ValidationError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { KnowledgeBase } from '../../core/types.ts';
import type { GodwitApp } from '../app-env.ts';
import { recordAudit } from '../audit.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import {
  CreateKnowledgeBaseSchema,
  KnowledgeBaseListSchema,
  KnowledgeBaseParamsSchema,
  KnowledgeBaseSchema,
} from '../schemas/knowledge-schemas.ts';
import { knowledgeBaseView } from '../views.ts';

const tags = ['knowledge'];
const notFound = errorResponse('Unknown knowledge base');

const listRoute = createRoute({
  method: 'get',
  path: '/api/knowledge-bases',
  tags,
  summary: 'List knowledge bases with document and chunk counts',
  responses: {
    200: { description: 'Every base', content: { 'application/json': { schema: KnowledgeBaseListSchema } } },
  },
});

function createKnowledgeBaseRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/knowledge-bases',
    tags,
    summary: 'Create a knowledge base',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: {
      body: { required: true, content: { 'application/json': { schema: CreateKnowledgeBaseSchema } } },
    },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: KnowledgeBaseSchema } } },
      400: errorResponse('Invalid name or unknown embedding model'),
      409: errorResponse('A knowledge base with this name exists'),
    },
  });
}

const getRoute = createRoute({
  method: 'get',
  path: '/api/knowledge-bases/{name}',
  tags,
  summary: 'A knowledge base with its stats',
  request: { params: KnowledgeBaseParamsSchema },
  responses: {
    200: { description: 'The base', content: { 'application/json': { schema: KnowledgeBaseSchema } } },
    404: notFound,
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/knowledge-bases/{name}',
  tags,
  summary: 'Delete a knowledge base, its documents and its chunks',
  request: { params: KnowledgeBaseParamsSchema },
  responses: { 204: { description: 'Deleted' }, 404: notFound },
});

async function withStats(services: GodwitServices, knowledgeBase: KnowledgeBase) {
  const stats = await services.knowledgeStore.knowledgeBaseStats(knowledgeBase.tenantId, knowledgeBase.id);
  return knowledgeBaseView(knowledgeBase, stats);
}

export function registerKnowledgeBaseRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number },
): void {
  app.openapi(listRoute, async (c) => {
    const bases = await services.knowledgeStore.listKnowledgeBases(c.var.tenantId);
    const views = await Promise.all(bases.map((knowledgeBase) => withStats(services, knowledgeBase)));
    return c.json({ knowledgeBases: views }, 200);
  });

  app.openapi(createKnowledgeBaseRoute(options.maxBodyBytes), async (c) => {
    const body = c.req.valid('json');
    try {
      const created = await services.knowledge.createKnowledgeBase(c.var.tenantId, body);
      await recordAudit(c, services, 'knowledge_base.create', created.name, {
        embeddingModel: created.embeddingModel,
      });
      return c.json(await withStats(services, created), 201);
    } catch (error) {
      // An unconfigured embedding model is a fault of this request's field, not of the server.
      if (error instanceof ConfigError) {
        throw new ValidationError(`embeddingModel: ${error.message}`, {
          details: { field: 'embeddingModel' },
        });
      }
      throw error;
    }
  });

  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid('param');
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(c.var.tenantId, name);
    return c.json(await withStats(services, knowledgeBase), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { name } = c.req.valid('param');
    await services.knowledge.deleteKnowledgeBase(c.var.tenantId, name);
    await recordAudit(c, services, 'knowledge_base.delete', name);
    return c.body(null, 204);
  });
}
