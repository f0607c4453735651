/** Redis adapters: the Cache port, and the lazily loaded connection they share. */
export { RedisCache, type RedisCacheOptions } from './redis-cache.ts';
export { type RedisClient, RedisConnection, type RedisConnectionOptions } from './redis-connection.ts';
export { parseRedisUrl, redactRedisUrl } from './redis-url.ts';
