import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { ConfigError, GodwitError } from '../../core/errors.ts';
import { toProviderError } from './classify-error.ts';
import { retryAfterMs } from './retry-after.ts';

const context = { provider: 'openai', modelId: 'gpt-4.1-mini', credentialHint: 'OPENAI_API_KEY' };

function apiError(statusCode: number | undefined, headers: Record<string, string> = {}) {
  return new APICallError({
    message: 'provider said: secret-ish detail',
    url: 'https://user:pass@api.example.com/v1/chat/completions?key=abc',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: '{"error":"raw body"}',
  });
}

function mapped(error: unknown): GodwitError {
  const result = toProviderError(error, context);
  if (!GodwitError.isInstance(result)) throw new Error('not mapped');
  return result;
}

describe('toProviderError', () => {
  it.each([
    [400, 'bad_request', false],
    [401, 'unauthorized', false],
    [404, 'model_not_found', false],
    [408, 'timeout', true],
    [429, 'rate_limited', true],
    [500, 'server_error', true],
    [503, 'server_error', true],
  ])('HTTP %i is %s (retryable: %s)', (status, reason, retryable) => {
    const error = mapped(apiError(status));
    expect(error.details).toMatchObject({ reason, status });
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toContain('openai:gpt-4.1-mini');
    expect(error.message).not.toContain('secret-ish');
    expect(error.message).not.toContain('raw body');
  });

  it('reports an unreachable endpoint by origin only', () => {
    const error = mapped(apiError(undefined));
    expect(error.details?.reason).toBe('connection');
    expect(error.message).toContain('https://api.example.com');
    expect(error.message).not.toContain('pass');
    expect(error.message).not.toContain('key=abc');
  });

  it('carries the Retry-After of a 429', () => {
    expect(mapped(apiError(429, { 'retry-after': '7' })).details?.retryAfterMs).toBe(7000);
    expect(mapped(apiError(429, { 'retry-after-ms': '250' })).details?.retryAfterMs).toBe(250);
  });

  it('turns missing settings into a ConfigError and leaves cancellations alone', () => {
    const missing = Object.assign(new Error('API key is missing'), { name: 'AI_LoadAPIKeyError' });
    expect(toProviderError(missing, context)).toBeInstanceOf(ConfigError);
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    expect(toProviderError(abort, context)).toBe(abort);
  });

  it("recognises Bedrock's 400 for an unknown model id", () => {
    const invalid = new APICallError({
      message: 'The provided model identifier is invalid.',
      url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse',
      requestBodyValues: {},
      statusCode: 400,
    });
    expect(mapped(invalid).details?.reason).toBe('model_not_found');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates and ignores garbage', () => {
    const now = () => Date.parse('2026-11-23T10:00:00Z');
    expect(retryAfterMs({ 'Retry-After': '1.5' }, now)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': 'Mon, 23 Nov 2026 10:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
