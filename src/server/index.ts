/**
 * The HTTP server's public surface: `createApp(deps)` returns a Hono app whose `fetch` any runtime can
 * serve. Node serving lives in src/runtime/node.ts, Lambda in src/runtime/lambda.ts.
 */
export type { AppDeps, AppEnv, AppOptions, GodwitApp, LogEntry } from './app-env.ts';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_UPLOAD_BYTES } from './app-env.ts';
export { createApp } from './create-app.ts';
export { type ErrorBody, errorBody, statusForCode } from './http-errors.ts';
export { createGodwitMetrics, createMetricsApp } from './metrics/index.ts';
