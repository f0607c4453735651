/**
 * Security headers on every response: a Content-Security-Policy that lets the web app and /docs load only
 * their own scripts, no framing by other sites (`frame-ancestors 'none'` and `X-Frame-Options: DENY`),
 * `nosniff`, no referrer sent elsewhere, and the cross-origin isolation headers. A header a route set
 * itself (the sandboxing CSP of an original document) is kept.
 *
 * The list is fixed, so it is worked out once. On Node's server it goes onto the response before the route
 * runs (see response-headers.ts); elsewhere it is added to the route's response, where missing.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { pendingNodeResponse } from './response-headers.ts';

export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
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

/** `defaultSrc: ["'self'"]` → `default-src 'self'`, directives joined by `; `. */
export function serializeContentSecurityPolicy(policy: Record<string, string[]>): string {
  return Object.entries(policy)
    .map(([directive, sources]) =>
      [directive.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`), ...sources].join(' '),
    )
    .join('; ');
}

/**
 * Every header with its value, names in lower case. Served over plain HTTP on a laptop, so no HSTS: it
 * belongs to the TLS terminator in front of a deployment.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-security-policy', serializeContentSecurityPolicy(CONTENT_SECURITY_POLICY)],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'DENY'],
  ['x-permitted-cross-domain-policies', 'none'],
  // The legacy XSS auditor is off: it could be abused to hide parts of a page.
  ['x-xss-protection', '0'],
];

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const outgoing = pendingNodeResponse(c);
    if (outgoing) {
      for (const [name, value] of SECURITY_HEADERS) outgoing.setHeader(name, value);
      return next();
    }
    await next();
    const headers = c.res.headers;
    for (const [name, value] of SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, value);
  };
}
