/**
 * One Redis connection for a whole process: the cache and the rate-limit counters each take a lease on it,
 * and the connection closes when the last lease is given back. A process holds one connection to Redis,
 * whatever uses it, and closes it once.
 */
import { RedisConnection, type RedisConnectionOptions } from './redis-connection.ts';

export class SharedRedisConnection {
  readonly connection: RedisConnection;
  private leases = 0;

  constructor(options: RedisConnectionOptions) {
    this.connection = new RedisConnection(options);
  }

  /**
   * Takes a lease; the function returned gives it back (a second call does nothing).
   *
   * @example
   *   const release = shared.lease();
   *   const cache = new RedisCache({ connection: shared.connection });
   *   // … on shutdown:
   *   await release();
   */
  lease(): () => Promise<void> {
    this.leases += 1;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.leases -= 1;
      if (this.leases === 0) await this.connection.close();
    };
  }

  /** Closes the connection whatever the leases (a start-up that failed half way). */
  close(): Promise<void> {
    return this.connection.close();
  }
}
