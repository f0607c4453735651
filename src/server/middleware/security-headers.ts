/**
 * Security headers on every response (Hono's secureHeaders, precomputed once): a Content-Security-Policy
 * that lets the web app and /docs load only their own scripts, no framing by other sites
 * (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), `nosniff`, and no referrer sent elsewhere. A
 * header a route set itself (the sandboxing CSP of an original document) is kept.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../app-env.ts';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // React and Swagger UI set style attributes; no script can come in through them.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    // Served over plain HTTP on a laptop; HSTS belongs to the TLS terminator in front of a deployment.
    strictTransportSecurity: false,
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
    overwrite: false,
  });
}
