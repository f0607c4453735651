import type { MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { AppEnv, Logger } from '../app-env.ts';

/**
 * Gives every request an id (the caller's `x-request-id` when it is a safe token, else a new UUID),
 * echoes it in the response header, and logs one line per request once its response is ready.
 */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv>[] {
  const assignId = requestId({ headerName: 'x-request-id', limitLength: 128 });
  const logRequest: MiddlewareHandler<AppEnv> = async (c, next) => {
    const startedAt = performance.now();
    await next();
    logger({
      level: 'info',
      message: 'request',
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(performance.now() - startedAt),
    });
  };
  return [assignId as MiddlewareHandler<AppEnv>, logRequest];
}
