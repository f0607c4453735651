import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiKeyPrefix,
  generateApiKeySecret,
  hashApiKeySecret,
  hashesMatch,
  looksLikeApiKey,
} from './api-key-secret.ts';

describe('API key secrets', () => {
  it('are gw_ and 32 random bytes in base64url, different every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateApiKeySecret()));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) {
      expect(secret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret.slice(3), 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as the hex SHA-256 of the whole secret, with a short display prefix', () => {
    const secret = generateApiKeySecret();
    expect(hashApiKeySecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(apiKeyPrefix(secret)).toBe(secret.slice(0, 10));
  });

  it('are told apart from JWTs by their marker', () => {
    expect(looksLikeApiKey(generateApiKeySecret())).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe(false);
  });

  it('compare hashes exactly, including different lengths', () => {
    const hash = hashApiKeySecret('gw_a');
    expect(hashesMatch(hash, hashApiKeySecret('gw_a'))).toBe(true);
    expect(hashesMatch(hash, hashApiKeySecret('gw_b'))).toBe(false);
    expect(hashesMatch(hash, hash.slice(1))).toBe(false);
  });
});
