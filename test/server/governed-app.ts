/**
 * Route-test services with the audit trail and rate limits/budgets wired as the composition root wires
 * them: usage rows are counted by the Governance in the request they were written for.
 */
import { AuditTrail } from '../../src/core/audit/index.ts';
import { issueApiKey } from '../../src/core/auth/index.ts';
import {
  type BudgetSettings,
  Governance,
  type LimitSettings,
  type StoreDownPolicy,
} from '../../src/core/limits/index.ts';
import type { CounterStore } from '../../src/core/ports.ts';
import type { AuthSettings } from '../../src/server/auth/auth-settings.ts';
import { createApp, createGodwitMetrics } from '../../src/server/index.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { MemoryAuditLog } from '../../src/storage/memory/memory-audit-log.ts';
import { MemoryCounterStore } from '../../src/storage/memory/memory-counter-store.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

const NO_RATE = { requestsPerMinute: null, tokensPerMinute: null };
const NO_BUDGET = { dailyUsd: null, monthlyUsd: null };

export const TENANT = 'acme';

export interface GovernedSetup {
  limits?: Partial<LimitSettings>;
  budgets?: Partial<BudgetSettings>;
  store?: CounterStore;
  now?: () => Date;
  auth?: 'required' | 'off';
  trustForwardedFor?: boolean;
  onStoreDown?: StoreDownPolicy;
}

export async function createGovernedApp(setup: GovernedSetup = {}) {
  const now = setup.now ?? (() => new Date());
  const store = setup.store ?? new MemoryCounterStore({ now: () => now().getTime() });
  const auditLog = new MemoryAuditLog();
  const audit = new AuditTrail({ log: auditLog, now });
  const alerts: Array<{ threshold: number; period: string; scope: string }> = [];
  const storeFailures: Array<'refused' | 'uncounted'> = [];
  const governance = new Governance({
    store,
    storeName: 'test',
    ...(setup.onStoreDown ? { onStoreDown: setup.onStoreDown } : {}),
    onStoreFailure: (_error, outcome) => storeFailures.push(outcome),
    now,
    limits: {
      caller: NO_RATE,
      roles: {},
      keys: {},
      tenant: NO_RATE,
      tenants: {},
      failedAuthPerMinute: 20,
      ...setup.limits,
    },
    budgets: {
      key: NO_BUDGET,
      keys: {},
      user: NO_BUDGET,
      users: {},
      tenant: NO_BUDGET,
      tenants: {},
      alertThresholds: [0.5, 0.75, 0.9],
      estimateOutputTokens: 1024,
      ...setup.budgets,
    },
    onAlert: (alert) =>
      alerts.push({ threshold: alert.threshold, period: alert.period, scope: alert.scope.kind }),
  });
  const base = await createTestServices({
    wrapUsage: (ledger) => ({
      record: async (entry) => {
        await ledger.record(entry);
        // As the composition root does: counted in the background, in the request's context.
        void governance.recordUsage(entry);
      },
      summarize: (tenantId, query) => ledger.summarize(tenantId, query),
    }),
  });
  const apiKeys = new MemoryApiKeyStore();
  const services: TestServices & { apiKeys: MemoryApiKeyStore } = {
    ...base,
    apiKeys,
    audit,
    governance,
    pricing: (_model, used) => used.totalTokens * 0.000001,
  };
  const auth: AuthSettings =
    setup.auth === 'off'
      ? { mode: 'off', apiKeys: true, jwt: null }
      : { mode: 'required', apiKeys: true, jwt: null };
  const metrics = createGodwitMetrics();
  const logs: Array<Record<string, unknown>> = [];
  const app = createApp({
    services,
    metrics,
    options: {
      logger: (entry) => logs.push(entry as Record<string, unknown>),
      auth,
      trustForwardedFor: setup.trustForwardedFor ?? false,
    },
  });
  const admin = await issueApiKey(apiKeys, { tenantId: TENANT, name: 'admin', role: 'admin' });
  const user = await issueApiKey(apiKeys, { tenantId: TENANT, name: 'app', role: 'user' });
  const other = await issueApiKey(apiKeys, { tenantId: TENANT, name: 'other', role: 'user' });
  return {
    app,
    services,
    audit,
    auditLog,
    governance,
    metrics,
    alerts,
    storeFailures,
    logs,
    admin,
    user,
    other,
  };
}

export function withKey(secret: string, headers: Record<string, string> = {}): Record<string, string> {
  return { 'x-api-key': secret, ...headers };
}

/** A JSON POST with its Content-Length, as HTTP clients send it. */
export function postWithKey(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  secret: string,
  body: unknown,
) {
  const text = JSON.stringify(body);
  return app.request(path, {
    method: 'POST',
    headers: withKey(secret, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    }),
    body: text,
  });
}
