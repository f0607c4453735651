/**
 * Headers decided before a route runs (security headers, the request id, rate-limit counts), set where
 * they cost least. On Node's HTTP server they go straight onto the `ServerResponse`: Node merges them into
 * the response the route returns, and a header the route sets itself wins. The route's response then keeps
 * plain header objects, which @hono/node-server writes without building a `Headers` object and reading
 * it back, a saving on every request. Everywhere else (AWS Lambda, `app.request` in tests) they go through
 * Hono's `c.header`, with the same result on the wire.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/** The Node response behind this request when it is served by @hono/node-server and nothing was sent yet. */
export function pendingNodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.setHeader !== 'function' || outgoing.headersSent) return undefined;
  return outgoing;
}

/** Sets a response header before the route runs; the route's own value for the same name wins. */
export function setEarlyHeader(c: Context, name: string, value: string): void {
  const outgoing = pendingNodeResponse(c);
  if (outgoing) outgoing.setHeader(name, value);
  else c.header(name, value);
}
