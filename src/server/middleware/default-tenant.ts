import type { MiddlewareHandler } from 'hono';
import { DEFAULT_TENANT, DEFAULT_USER } from '../../core/types.ts';
import type { AppEnv } from '../app-env.ts';

/**
 * Every request acts as the single local tenant and user. Authentication replaces this middleware with
 * one that derives both from the caller's credentials; handlers only ever read `c.var`.
 */
export function defaultTenant(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('tenantId', DEFAULT_TENANT);
    c.set('userId', DEFAULT_USER);
    await next();
  };
}
