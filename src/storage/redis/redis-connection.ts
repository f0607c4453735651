/**
 * One Redis connection shared by the Redis adapters. The client library (ioredis) is imported on first
 * use, so processes that never touch Redis never load it. Commands fail fast while Redis is unreachable
 * (no offline queue) and every failure becomes a DependencyError that names the URL without its password.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { DependencyError, describeError } from '../../core/errors.ts';
import { parseRedisUrl, redactRedisUrl } from './redis-url.ts';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Default 2,000 ms. */
  connectTimeoutMs?: number;
  /** A command without an answer within this time fails. Default 1,000 ms. */
  commandTimeoutMs?: number;
  /** Set with CLIENT SETNAME, so `CLIENT LIST` on the Redis side tells whose connection it is. */
  clientName?: string;
}

/** The commands the adapters use; ioredis's client satisfies it. */
export type RedisClient = Pick<
  Redis,
  'get' | 'set' | 'del' | 'ping' | 'info' | 'quit' | 'disconnect' | 'eval'
>;

export class RedisConnection {
  /** The URL with its password hidden. */
  readonly displayUrl: string;
  private readonly url: string;
  private readonly options: RedisConnectionOptions;
  private connecting: Promise<Redis> | undefined;
  private lastError: string | undefined;

  constructor(options: RedisConnectionOptions) {
    parseRedisUrl(options.url);
    this.url = options.url;
    this.options = options;
    this.displayUrl = redactRedisUrl(options.url);
  }

  /**
   * Runs `command` on the connected client. `operation` names the command in the error (GET, SET…).
   *
   * @example await connection.run('GET', (client) => client.get(key));
   */
  async run<T>(operation: string, command: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = await this.client(operation);
    try {
      return await command(client);
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  /** Closes the connection; a later command opens a new one. */
  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (!client) return;
    await client.quit().catch(() => client.disconnect());
  }

  private client(operation: string): Promise<Redis> {
    this.connecting ??= this.open().catch((error: unknown) => {
      // Forget the failed attempt so the next command tries again.
      this.connecting = undefined;
      throw this.failure(operation, error);
    });
    return this.connecting;
  }

  private async open(): Promise<Redis> {
    const { Redis } = await import('ioredis');
    const settings: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.options.connectTimeoutMs ?? 2000,
      commandTimeout: this.options.commandTimeoutMs ?? 1000,
      ...(this.options.clientName ? { connectionName: this.options.clientName } : {}),
      // Once connected, reconnect in the background after a drop; commands fail fast meanwhile.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    };
    const client = new Redis(this.url, settings);
    // ioredis reports the cause (ECONNREFUSED, WRONGPASS…) as an event; keep it for our message.
    client.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    client.on('ready', () => {
      this.lastError = undefined;
    });
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return client;
  }

  private failure(operation: string, error: unknown): DependencyError {
    const reported = describeError(error);
    const detail =
      this.lastError && !reported.includes(this.lastError) ? `${reported}; ${this.lastError}` : reported;
    const password = safePassword(this.url);
    const safeDetail = password ? detail.split(password).join('***') : detail;
    return new DependencyError(
      `Redis at ${this.displayUrl} failed on ${operation}: ${safeDetail}. Check that Redis is running and that GODWIT_REDIS_URL points at it.`,
      { cause: error, details: { dependency: 'redis', operation } },
    );
  }
}

function safePassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length > 0 ? password : undefined;
  } catch {
    return undefined;
  }
}
