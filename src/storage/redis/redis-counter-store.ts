/**
 * CounterStore on Redis: one Lua script adds to every window of a call and sets each window's expiry, so a
 * check costs one round trip and instances sharing Redis share limits. Keys live under a prefix.
 */
import { checkIncrements } from '../../core/limits/check-increments.ts';
import type { CounterIncrement, CounterStore } from '../../core/ports.ts';
import type { RedisConnection } from './redis-connection.ts';

// KEYS[i]: the window; ARGV[2i-1]: the amount; ARGV[2i]: expiry in Unix ms. A window's key names its
// start, so every caller sets the same expiry: it is set once, when the key has none (PTTL -1). PTTL
// rather than PEXPIRETIME keeps Redis 6 (ElastiCache) supported.
const SCRIPT = `
local results = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('INCRBY', key, ARGV[2 * i - 1])
  if redis.call('PTTL', key) == -1 then redis.call('PEXPIREAT', key, ARGV[2 * i]) end
  results[i] = value
end
return results
`;

export interface RedisCounterStoreOptions {
  connection: RedisConnection;
  /** Prepended to every key. Default `godwit:limits:`. */
  keyPrefix?: string;
}

export class RedisCounterStore implements CounterStore {
  private readonly connection: RedisConnection;
  private readonly keyPrefix: string;

  constructor(options: RedisCounterStoreOptions) {
    this.connection = options.connection;
    this.keyPrefix = options.keyPrefix ?? 'godwit:limits:';
  }

  async increment(increments: readonly CounterIncrement[]): Promise<number[]> {
    checkIncrements(increments);
    if (increments.length === 0) return [];
    const keys = increments.map((increment) => this.keyPrefix + increment.key);
    const args = increments.flatMap((increment) => [
      String(increment.by),
      String(increment.expiresAt.getTime()),
    ]);
    const values = await this.connection.run('EVAL', (client) =>
      client.eval(SCRIPT, keys.length, ...keys, ...args),
    );
    return (values as Array<number | string>).map(Number);
  }
}
