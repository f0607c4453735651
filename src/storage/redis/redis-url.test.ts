import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { parseRedisUrl, redactRedisUrl } from './redis-url.ts';

describe('Redis URLs', () => {
  it('hides the password and keeps everything else', () => {
    expect(redactRedisUrl('redis://:s3cret@cache.internal:6380/2')).toBe(
      'redis://:***@cache.internal:6380/2',
    );
    expect(redactRedisUrl('rediss://app:s3cret@cache.internal:6380')).toBe(
      'rediss://app:***@cache.internal:6380',
    );
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('rejects a URL that is not redis:// or rediss:// without echoing it', () => {
    expect(() => parseRedisUrl('http://user:s3cret@host:6379')).toThrow(ConfigError);
    expect(() => parseRedisUrl('http://user:s3cret@host:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('not a url s3cret')).toThrow(/GODWIT_REDIS_URL/);
    try {
      parseRedisUrl('not a url s3cret');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
    expect(parseRedisUrl('redis://127.0.0.1:6379/0').port).toBe('6379');
  });
});
