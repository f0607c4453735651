/**
 * The Godwit HTTP app: one Hono app for every runtime (node.ts serves `app.fetch`; lambda.ts wraps the
 * same app). All routes are registered here; handlers are short and call the core services.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { type AppDeps, type AppEnv, type GodwitApp, resolveAppOptions } from './app-env.ts';
import { AUTH_OFF } from './auth/auth-settings.ts';
import { createErrorHandler, notFoundHandler, retryAfterOnUnavailable } from './http-errors.ts';
import { registerMcpRoutes } from './mcp/mcp-routes.ts';
import {
  connectServiceMetrics,
  createGodwitMetrics,
  type GodwitMetrics,
  httpMetrics,
  registerMetricsRoute,
} from './metrics/index.ts';
import { authenticate, requireAdmin } from './middleware/auth.ts';
import { corsMiddleware } from './middleware/cors.ts';
import { governRequests } from './middleware/governance.ts';
import { loopbackGuard } from './middleware/loopback-guard.ts';
import { requestContext } from './middleware/request-log.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { type ChannelRoutes, registerChannelRoutes } from './routes/channel-routes.ts';
import { registerChatRoutes } from './routes/chat-routes.ts';
import { registerConversationRoutes } from './routes/conversation-routes.ts';
import { registerDocsRoutes } from './routes/docs-routes.ts';
import { registerDocumentFileRoutes } from './routes/document-file-routes.ts';
import { registerDocumentRoutes } from './routes/document-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { registerKeyRoutes } from './routes/key-routes.ts';
import { registerKnowledgeBaseRoutes } from './routes/knowledge-base-routes.ts';
import { registerOpenAIRoutes } from './routes/openai-routes.ts';
import { registerSearchRoutes } from './routes/search-routes.ts';
import { registerUIChatRoutes } from './routes/ui-chat-routes.ts';
import { registerUploadRoutes } from './routes/upload-routes.ts';
import { registerUsageRoutes } from './routes/usage-routes.ts';
import { registerWebRoutes, type WebRoutesOptions } from './routes/web-routes.ts';
import { validationHook } from './validation.ts';

export interface CreateAppDeps extends AppDeps {
  /** Where request, model, error and circuit metrics are recorded for `GET /metrics`. Default: a new registry. */
  metrics?: GodwitMetrics;
  /** Where the built web app is served from. Default: `web/dist` of this package. */
  web?: WebRoutesOptions;
  /** What `/readyz` answers from. Default: the services' checks, 2 s bound, logged through `logger`. */
  readiness?: Readiness;
  /** The Discord and Slack endpoints (config/create-channels.ts). Default: both off (404 with the fix). */
  channels?: ChannelRoutes;
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
  app.use('*', securityHeaders());
  app.use('*', ...requestContext(options.logger));
  app.use('*', retryAfterOnUnavailable());
  const auth = deps.options?.auth ?? AUTH_OFF;
  const corsOrigins = deps.options?.cors?.allowedOrigins ?? [];
  // Before the guard and authentication: a preflight carries no credentials and must still be answered.
  const cors = corsMiddleware({
    allowedOrigins: corsOrigins,
    maxAgeSeconds: deps.options?.cors?.maxAgeSeconds ?? 600,
  });
  if (cors) app.use('*', cors);
  // Without authentication, only this server's own names are served (health checks included: a rebinding
  // page learns nothing) and only its own pages, or origins allowed cross-origin access, may write.
  if (auth.mode === 'off') {
    const loopback = deps.options?.loopback ?? { bindHost: '127.0.0.1' };
    app.use(
      '*',
      loopbackGuard({ ...loopback, allowedOrigins: [...(loopback.allowedOrigins ?? []), ...corsOrigins] }),
    );
  }
  // Before authentication: /api/healthz is the open alias of /healthz that load balancers probe.
  const readiness =
    deps.readiness ?? createReadiness(services, { logger: options.logger, shutdown: options.shutdownSignal });
  registerHealthRoutes(app, services, readiness);
  // /healthz, /readyz, /openapi.json and /docs stay open; /metrics needs an admin when auth is required.
  const authenticated = authenticate(auth, services.apiKeys, {
    ...(services.audit ? { audit: services.audit } : {}),
    ...(services.governance ? { governance: services.governance } : {}),
    trustForwardedFor: deps.options?.trustForwardedFor ?? false,
  });
  app.use('/api/*', authenticated);
  app.use('/v1/*', authenticated);
  app.use('/mcp', authenticated);
  // After authentication: limits and budgets are per caller. /api/healthz is registered above, so probes
  // are never limited.
  const governed = governRequests(services, {
    logger: options.logger,
    maxBodyBytes: options.maxBodyBytes,
    onRefused: (reason, scope) => metrics.limitRefused(reason, scope),
  });
  app.use('/api/*', governed);
  app.use('/v1/*', governed);
  app.use('/mcp', governed);
  if (services.governance) {
    services.governance.subscribeAlerts((alert) =>
      metrics.budgetAlert(alert.scope.kind, alert.period, alert.threshold),
    );
    // Refusals of turns that do not come through HTTP (Discord, Slack) count in the same metric.
    services.governance.subscribeRefusals((reason, scope) => metrics.limitRefused(reason, scope));
  }
  const serveMetrics = deps.options?.serveMetrics !== false;
  if (auth.mode === 'required' && serveMetrics) {
    app.use('/metrics', authenticated, async (c, next) => {
      requireAdmin(c, 'read metrics');
      await next();
    });
  }
  app.onError(createErrorHandler(options.logger));
  app.notFound(notFoundHandler);

  registerChatRoutes(app, services, options);
  registerUIChatRoutes(app, services, options);
  registerMcpRoutes(app, services, options);
  registerConversationRoutes(app, services, options);
  registerSearchRoutes(app, services, options);
  registerKnowledgeBaseRoutes(app, services, options);
  registerDocumentRoutes(app, services, options);
  registerUploadRoutes(app, services, options);
  registerDocumentFileRoutes(app, services);
  registerUsageRoutes(app, services);
  registerAuditRoutes(app, services);
  registerKeyRoutes(app, services, { ...options, now: auth.now });
  registerOpenAIRoutes(app, services, { ...options, metrics });
  if (serveMetrics) registerMetricsRoute(app, metrics);
  registerDocsRoutes(app, services);
  registerChannelRoutes(app, deps.channels);
  // Last: the web app answers every GET that no route above claimed.
  registerWebRoutes(app, deps.web);
  return app;
}
