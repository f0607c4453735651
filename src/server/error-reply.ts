/** A refusal built by middleware (auth, limits) in the route family's own error shape: OpenAI's under /v1. */
import type { Context } from 'hono';
import type { GodwitError } from '../core/errors.ts';
import type { AppEnv } from './app-env.ts';
import { errorBody, retryAfterHeaders, statusForCode } from './http-errors.ts';
import { openAIErrorReply } from './openai/openai-errors.ts';

export function isOpenAIPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

export function errorReply(
  c: Context<AppEnv>,
  error: GodwitError,
  headers: Record<string, string> = {},
): Response {
  if (isOpenAIPath(c.req.path)) {
    const reply = openAIErrorReply(error, c.get('requestId'));
    return c.json(reply.body, reply.status, { ...reply.headers, ...headers });
  }
  const status = statusForCode(error.code);
  return c.json(errorBody(error.code, error.message, error.details), status, {
    ...retryAfterHeaders(status, error.details?.retryAfterMs),
    ...headers,
  });
}

/**
 * The client's address: the socket's peer on Node, the source IP API Gateway reports on Lambda, or, when
 * `trustForwardedFor` is set, the last X-Forwarded-For entry (the one the nearest proxy added).
 */
export function clientAddress(c: Context<AppEnv>, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const forwarded = c.req.header('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        event?: { requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } } };
      }
    | undefined;
  return (
    env?.incoming?.socket?.remoteAddress ??
    env?.event?.requestContext?.http?.sourceIp ??
    env?.event?.requestContext?.identity?.sourceIp ??
    'unknown'
  );
}
