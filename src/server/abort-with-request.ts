/**
 * An AbortController that aborts when the client disconnects, whichever way the runtime reports it. On
 * Node, the response's `close` before it finished is the disconnect; listening there avoids building the
 * runtime's Request object just for its signal (measurable on the gateway's hot path).
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

export function abortWithRequest(c: Context): AbortController {
  const abort = new AbortController();
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.once === 'function') {
    if (outgoing.destroyed && !outgoing.writableFinished) abort.abort();
    else outgoing.once('close', () => !outgoing.writableFinished && abort.abort());
    return abort;
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) abort.abort();
  else signal.addEventListener('abort', () => abort.abort(), { once: true });
  return abort;
}
