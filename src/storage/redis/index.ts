/** Redis adapters: the Cache and CounterStore ports, and the one lazily loaded connection they share. */
export { RedisCache, type RedisCacheOptions } from './redis-cache.ts';
export { type RedisClient, RedisConnection, type RedisConnectionOptions } from './redis-connection.ts';
export { RedisCounterStore, type RedisCounterStoreOptions } from './redis-counter-store.ts';
export { parseRedisUrl, redactRedisUrl } from './redis-url.ts';
export { SharedRedisConnection } from './shared-redis-connection.ts';
