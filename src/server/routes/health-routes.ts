/**
 * Liveness (`/healthz`, and `/api/healthz` for probes that only reach `/api`: the process answers) and
 * readiness (`/readyz`: the instance can serve; bounded in time, optional dependencies reported as
 * `degraded` with a 200). Both are open without authentication, so neither shows file-system paths.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { retryAfterHeaders } from '../http-errors.ts';
import { createModelProbe } from '../model-probe.ts';
import type { Readiness } from '../readiness.ts';
import { LivenessSchema, ReadinessSchema } from '../schemas/operations-schemas.ts';

const livenessResponses = {
  200: { description: 'Alive', content: { 'application/json': { schema: LivenessSchema } } },
};

const livenessRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  security: [],
  summary: 'Liveness: 200 while the process serves requests',
  responses: livenessResponses,
});

const livenessAliasRoute = createRoute({
  method: 'get',
  path: '/api/healthz',
  tags: ['operations'],
  security: [],
  summary: 'Liveness, as /healthz, for health checks that only reach /api (open without authentication)',
  responses: livenessResponses,
});

const readinessRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  security: [],
  request: {
    query: z.object({
      probe: z.enum(['model']).optional().openapi({
        description:
          'model: also ask the default model for one token (a `model` check, never fatal; one probe per 30 s is shared)',
      }),
    }),
  },
  summary:
    'Readiness: 200 when the instance can serve (status ok, or degraded when an optional dependency such as the Redis cache is down); 503 when a required dependency is down or the server is stopping',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    503: {
      description: 'A required dependency is down, or the server is stopping',
      content: { 'application/json': { schema: ReadinessSchema } },
    },
  },
});

export function registerHealthRoutes(app: GodwitApp, services: GodwitServices, readiness: Readiness): void {
  app.openapi(livenessRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(livenessAliasRoute, (c) => c.json({ status: 'ok' as const }, 200));

  const probeModel = createModelProbe(services);
  app.openapi(readinessRoute, async (c) => {
    const result = await readiness.check();
    const { ready } = result;
    let { status, checks } = result;
    if (c.req.valid('query').probe === 'model') {
      const model = await probeModel();
      checks = [...checks, model];
      if (!model.ok && status === 'ok') status = 'degraded';
    }
    const { model, fallbackModels, embeddingModel, reason, availableModels } = services.provider;
    const body = {
      status,
      checks,
      provider: { model, fallbackModels, embeddingModel, reason, availableModels },
      version: services.version,
    };
    return ready ? c.json(body, 200) : c.json(body, 503, retryAfterHeaders(503, undefined));
  });
}
