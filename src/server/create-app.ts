/**
 * The Godwit HTTP app: one Hono app for every runtime (node.ts serves `app.fetch`; lambda.ts wraps the
 * same app). All routes are registered here; handlers are short and call the core services.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { type AppDeps, type AppEnv, type GodwitApp, resolveAppOptions } from './app-env.ts';
import { createErrorHandler, notFoundHandler } from './http-errors.ts';
import {
  connectServiceMetrics,
  createGodwitMetrics,
  type GodwitMetrics,
  httpMetrics,
  registerMetricsRoute,
} from './metrics/index.ts';
import { defaultTenant } from './middleware/default-tenant.ts';
import { requestContext } from './middleware/request-log.ts';
import { registerChatRoutes } from './routes/chat-routes.ts';
import { registerConversationRoutes } from './routes/conversation-routes.ts';
import { registerDocsRoutes } from './routes/docs-routes.ts';
import { registerDocumentRoutes } from './routes/document-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { registerKnowledgeBaseRoutes } from './routes/knowledge-base-routes.ts';
import { registerOpenAIRoutes } from './routes/openai-routes.ts';
import { registerSearchRoutes } from './routes/search-routes.ts';
import { registerUsageRoutes } from './routes/usage-routes.ts';
import { validationHook } from './validation.ts';

export interface CreateAppDeps extends AppDeps {
  /** Where request, model, error and circuit metrics are recorded for `GET /metrics`. Default: a new registry. */
  metrics?: GodwitMetrics;
}

/**
 * Builds the app around already-wired services.
 *
 * Defaults: JSON bodies up to 1 MiB (`maxBodyBytes`), uploads up to 50 MiB per request
 * (`maxUploadBytes`), JSON log lines on stdout/stderr (`logger`).
 *
 * @example
 * const app = createApp({ services: await createGodwit(config) });
 * const response = await app.request('/healthz');
 */
export function createApp(deps: CreateAppDeps): GodwitApp {
  const { services } = deps;
  const options = resolveAppOptions(deps.options);
  const metrics = deps.metrics ?? createGodwitMetrics();
  connectServiceMetrics(metrics, services);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', httpMetrics(metrics));
  app.use('*', ...requestContext(options.logger));
  app.use('/api/*', defaultTenant());
  app.use('/v1/*', defaultTenant());
  app.onError(createErrorHandler(options.logger));
  app.notFound(notFoundHandler);

  registerHealthRoutes(app, services);
  registerChatRoutes(app, services, options);
  registerConversationRoutes(app, services, options);
  registerSearchRoutes(app, services, options);
  registerKnowledgeBaseRoutes(app, services, options);
  registerDocumentRoutes(app, services, options);
  registerUsageRoutes(app, services);
  registerOpenAIRoutes(app, services, { ...options, metrics });
  registerMetricsRoute(app, metrics);
  registerDocsRoutes(app, services);
  return app;
}
