import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Logger } from '../app-env.ts';
import { setEarlyHeader } from './response-headers.ts';

/** A caller's id is kept when it is a token of letters, digits, `_`, `-` and `=`, at most this long. */
const MAX_REQUEST_ID_LENGTH = 128;
const UNSAFE_REQUEST_ID = /[^\w\-=]/;

/**
 * Gives every request an id (the caller's `x-request-id` when it is a safe token, else a new UUID),
 * echoes it in the response header, and logs one line per request once its response is ready.
 */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv>[] {
  const assignId: MiddlewareHandler<AppEnv> = (c, next) => {
    let id = c.req.header('x-request-id');
    if (!id || id.length > MAX_REQUEST_ID_LENGTH || UNSAFE_REQUEST_ID.test(id)) id = crypto.randomUUID();
    c.set('requestId', id);
    setEarlyHeader(c, 'x-request-id', id);
    return next();
  };
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
  return [assignId, logRequest];
}
