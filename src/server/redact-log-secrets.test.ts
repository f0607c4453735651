import { describe, expect, it } from 'vitest';
import { redactLogSecrets } from './redact-log-secrets.ts';

describe('redactLogSecrets', () => {
  it.each([
    ['an API key', 'refused gw_Zx81qPcT0pSecretValue123 at /api', 'refused gw_[redacted] at /api'],
    ['a bearer token', 'authorization: Bearer abc.def-ghi_jkl', 'authorization: Bearer [redacted]'],
    [
      'a JWT',
      'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl failed',
      'token [redacted-jwt] failed',
    ],
    ['an OpenAI key', 'OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234', 'OPENAI_API_KEY=sk-[redacted]'],
    ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'key AKIA[redacted] used'],
    ['a password in a URL', 'redis://default:hunter2@cache:6379 down', 'redis://default:***@cache:6379 down'],
    ['a bearer token in capitals', 'BEARER abcdefghijk', 'BEARER [redacted]'],
    [
      'a password in a URL in capitals',
      'REDIS://default:hunter2@cache down',
      'REDIS://default:***@cache down',
    ],
    [
      'a secret in a JSON log line',
      '{"time":"2026-12-07T13:00:00.000Z","level":"error","error":"sk-proj-abcdefghijklmnop1234 refused"}',
      '{"time":"2026-12-07T13:00:00.000Z","level":"error","error":"sk-[redacted] refused"}',
    ],
  ])('scrubs %s', (_name, input, expected) => {
    expect(redactLogSecrets(input)).toBe(expected);
  });

  it('leaves ordinary text, key ids and prefixes alone', () => {
    const text = 'API key key_3f9a1c0e5b7d2a64 (gw_Zx81…) was revoked; see https://example.com/docs';
    expect(redactLogSecrets(text)).toBe(text);
  });

  it('returns a line with nothing to scrub unchanged', () => {
    const line =
      '{"time":"2026-12-07T13:00:00.000Z","level":"info","message":"request","method":"POST","path":"/v1/chat/completions","status":200}';
    expect(redactLogSecrets(line)).toBe(line);
  });
});
