/**
 * The Cache port on Redis: string values under a key prefix, with an optional TTL per value. Failures
 * are DependencyErrors naming the URL without its password; callers that treat the cache as an
 * optimisation (the caching middleware) count them and go on.
 */
import { ValidationError } from '../../core/errors.ts';
import type { Cache, HealthCheck, HealthReport } from '../../core/ports.ts';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection.ts';

export type RedisCacheOptions = (RedisConnectionOptions | { connection: RedisConnection }) & {
  /** Prepended to every key, so several apps (or tests) can share one database. Default `godwit:cache:`. */
  keyPrefix?: string;
};

/**
 * @example
 *   const cache = new RedisCache({ url: 'redis://127.0.0.1:6379', keyPrefix: 'godwit:cache:' });
 *   await cache.set('answer:42', json, 300); // five minutes
 */
export class RedisCache implements Cache, HealthCheck {
  readonly keyPrefix: string;
  private readonly connection: RedisConnection;
  /** Whether close() should end the connection (not when it was shared with us). */
  private readonly ownsConnection: boolean;

  constructor(options: RedisCacheOptions) {
    this.keyPrefix = options.keyPrefix ?? 'godwit:cache:';
    if ('connection' in options) {
      this.connection = options.connection;
      this.ownsConnection = false;
    } else {
      this.connection = new RedisConnection(options);
      this.ownsConnection = true;
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.connection.run('GET', (client) => client.get(this.keyPrefix + key));
    return value ?? undefined;
  }

  /** `ttlSeconds` undefined keeps the value until deleted (and clears an earlier TTL); else a positive number. */
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds === undefined) {
      await this.connection.run('SET', (client) => client.set(this.keyPrefix + key, value));
      return;
    }
    if (!(Number.isFinite(ttlSeconds) && ttlSeconds > 0)) {
      throw new ValidationError(`ttlSeconds must be a positive number of seconds; got ${ttlSeconds}.`, {
        details: { field: 'ttlSeconds' },
      });
    }
    const milliseconds = Math.ceil(ttlSeconds * 1000);
    await this.connection.run('SET', (client) => client.set(this.keyPrefix + key, value, 'PX', milliseconds));
  }

  async delete(key: string): Promise<void> {
    await this.connection.run('DEL', (client) => client.del(this.keyPrefix + key));
  }

  /** Never throws: an unreachable server is a report with `ok: false`. */
  async health(): Promise<HealthReport> {
    try {
      const info = await this.connection.run('INFO', (client) => client.info('server'));
      const version = /redis_version:(\S+)/.exec(info)?.[1];
      return {
        name: 'redis',
        ok: true,
        detail: `cache at ${this.connection.displayUrl}`,
        ...(version ? { version } : {}),
      };
    } catch (error) {
      return { name: 'redis', ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }
}
