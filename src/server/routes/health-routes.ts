/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: every dependency answers). */
import { createRoute } from '@hono/zod-openapi';
import { describeError } from '../../core/errors.ts';
import type { HealthReport } from '../../core/ports.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { LivenessSchema, ReadinessSchema } from '../schemas/operations-schemas.ts';

const livenessRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: 200 while the process serves requests',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: LivenessSchema } } } },
});

const readinessRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: 200 when every dependency is reachable, else 503',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    503: {
      description: 'A dependency is down',
      content: { 'application/json': { schema: ReadinessSchema } },
    },
  },
});

async function runHealthChecks(services: GodwitServices): Promise<HealthReport[]> {
  try {
    return await services.health();
  } catch (error) {
    // health() promises never to throw; if it does, readiness must still answer.
    return [{ name: 'services', ok: false, detail: `health check failed: ${describeError(error)}` }];
  }
}

export function registerHealthRoutes(app: GodwitApp, services: GodwitServices): void {
  app.openapi(livenessRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readinessRoute, async (c) => {
    const reports = await runHealthChecks(services);
    const ready = reports.every((report) => report.ok);
    const checks = reports.map((report) => ({
      name: report.name,
      ok: report.ok,
      detail: report.detail,
      ...(report.version === undefined ? {} : { version: report.version }),
    }));
    const { model, fallbackModels, embeddingModel, reason, availableModels } = services.provider;
    const body = {
      status: ready ? ('ok' as const) : ('unavailable' as const),
      checks,
      provider: { model, fallbackModels, embeddingModel, reason, availableModels },
      version: services.version,
    };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });
}
