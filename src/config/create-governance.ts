/**
 * Rate limits, budgets and the audit trail (part of the composition root): picks where the counters live
 * (`limits.store`) and turns the `limits` and `budgets` sections into the core's rules.
 */
import { AuditTrail } from '../core/audit/audit-trail.ts';
import { ConfigError, describeError } from '../core/errors.ts';
import { Governance } from '../core/limits/index.ts';
import type { AuditLog, CounterStore, UsageLedger } from '../core/ports.ts';
import type { SharedRedisConnection } from '../storage/redis/shared-redis-connection.ts';
import type { GodwitConfig } from './schema.ts';

export type CounterStoreName = 'memory' | 'redis' | 'database' | 'dynamodb';

/** Which store `limits.store` means for this config (null resolved). */
export function counterStoreName(config: GodwitConfig): CounterStoreName {
  if (config.limits.store) return config.limits.store;
  if (config.redis.url) return 'redis';
  if (config.storage.conversations === 'dynamodb') return 'dynamodb';
  if (config.database.url || config.database.dataApi) return 'database';
  return 'memory';
}

/**
 * Opens the counter store; `records` is the store the records live in (the database, or DynamoDB), `redis`
 * the process's one Redis connection (set when redis.url is), which the counters lease rather than open
 * a connection of their own.
 */
export async function openCounterStore(
  config: GodwitConfig,
  records: CounterStore,
  redis?: SharedRedisConnection,
): Promise<{ store: CounterStore; name: CounterStoreName; close: () => Promise<void> }> {
  const name = counterStoreName(config);
  if (name === 'memory') {
    const { MemoryCounterStore } = await import('../storage/memory/memory-counter-store.ts');
    return { store: new MemoryCounterStore(), name, close: async () => {} };
  }
  if (name === 'redis') {
    if (!config.redis.url || !redis) {
      throw new ConfigError(
        'limits.store is "redis" but redis.url is not set: set GODWIT_REDIS_URL=redis://host:6379.',
      );
    }
    const { RedisCounterStore } = await import('../storage/redis/index.ts');
    const release = redis.lease();
    return { store: new RedisCounterStore({ connection: redis.connection }), name, close: release };
  }
  const onDynamo = config.storage.conversations === 'dynamodb';
  if (name === 'dynamodb' && !onDynamo) {
    throw new ConfigError(
      'limits.store is "dynamodb" but storage.conversations is not: set storage.conversations to dynamodb, or choose limits.store redis, database or memory.',
    );
  }
  if (name === 'database' && onDynamo) {
    throw new ConfigError(
      'limits.store is "database" but records live in DynamoDB (storage.conversations: dynamodb): choose limits.store dynamodb or redis.',
    );
  }
  return { store: records, name, close: async () => {} };
}

export interface GovernanceParts {
  counters: CounterStore;
  storeName: CounterStoreName;
  audit: AuditTrail;
  usage: UsageLedger;
}

/** Event ids are the trail's own (they sort by time), not the composition root's. */
export function createAuditTrail(log: AuditLog): AuditTrail {
  return new AuditTrail({ log });
}

/** The rules of `limits` and `budgets`, on `counters`. */
export function createGovernance(config: GodwitConfig, parts: GovernanceParts): Governance {
  return new Governance({
    store: parts.counters,
    storeName: parts.storeName,
    limits: config.limits,
    budgets: config.budgets,
    onStoreDown: config.limits.onStoreDown,
    onStoreFailure: (error, outcome) =>
      process.stderr.write(
        `${JSON.stringify({
          level: outcome === 'refused' ? 'error' : 'warn',
          message:
            outcome === 'refused'
              ? 'counter store unavailable; limited request refused'
              : 'counter store unavailable; request served uncounted',
          store: parts.storeName,
          error: describeError(error),
        })}\n`,
      ),
    onAlert: (alert) => {
      process.stderr.write(
        `${JSON.stringify({
          level: 'warn',
          message: 'budget threshold passed',
          scope: alert.scope.kind,
          id: alert.scope.id,
          period: alert.period,
          threshold: alert.threshold,
          limitUsd: alert.limitUsd,
          usedUsd: alert.usedUsd,
        })}\n`,
      );
      void parts.audit.record({
        tenantId: alert.scope.tenantId,
        actor: 'godwit',
        action: 'budget.threshold',
        target: alert.scope.id,
        details: {
          scope: alert.scope.kind,
          period: alert.period,
          threshold: alert.threshold,
          limitUsd: alert.limitUsd,
          usedUsd: alert.usedUsd,
        },
      });
    },
    reportError: (error) =>
      process.stderr.write(
        `${JSON.stringify({ level: 'error', message: 'usage not counted against limits', error: describeError(error) })}\n`,
      ),
    // In-process counters forget on restart: a window this process has not seen starts from the ledger.
    ...(parts.storeName === 'memory'
      ? {
          seed: async (scope, from, to) => {
            const rows = await parts.usage.summarize(scope.tenantId, {
              from,
              to: new Date(to.getTime() - 1),
              ...(scope.kind === 'user' && scope.userId ? { userId: scope.userId } : {}),
            });
            return rows
              .filter((row) => scope.kind !== 'key' || row.apiKeyId === scope.apiKeyId)
              .filter((row) => scope.kind !== 'user' || row.userId === scope.userId)
              .reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
          },
        }
      : {}),
  });
}
