/** The AuditLog contract: append-only, newest first, per tenant. */
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../../src/core/ports.ts';
import type { AuditEvent } from '../../src/core/types.ts';
import { type FixtureFactory, newId, newTenant, useContractFixture } from './contract-fixture.ts';

export interface AuditStores {
  audit: AuditLog;
}

function event(tenantId: string, minute: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newId('audit'),
    tenantId,
    actor: 'key:admin',
    action: 'knowledge_base.delete',
    target: `kb-${minute}`,
    details: { minute, reason: 'cleanup', nested: { ok: true } },
    createdAt: new Date(Date.UTC(2026, 4, 1, 10, minute)),
    ...overrides,
  };
}

export function describeAuditLogContract(name: string, factory: FixtureFactory<AuditStores>): void {
  describe(`AuditLog contract: ${name}`, () => {
    const stores = useContractFixture(factory);

    it('lists events newest first with every field, up to the limit', async () => {
      const { audit } = stores();
      const tenant = newTenant();
      const events = [event(tenant, 1), event(tenant, 3), event(tenant, 2)];
      for (const item of events) await audit.record(item);
      expect(await audit.list(tenant)).toEqual([events[1], events[2], events[0]]);
      expect(await audit.list(tenant, { limit: 2 })).toEqual([events[1], events[2]]);
    });

    it('keeps the first event for a repeated id', async () => {
      const { audit } = stores();
      const tenant = newTenant();
      const first = event(tenant, 1);
      await audit.record(first);
      await audit.record({ ...first, action: 'rewritten' });
      expect(await audit.list(tenant)).toEqual([first]);
    });

    it("keeps each tenant's events to itself", async () => {
      const { audit } = stores();
      const tenantA = newTenant();
      await audit.record(event(tenantA, 1));
      expect(await audit.list(newTenant())).toEqual([]);
      expect(await audit.list(tenantA)).toHaveLength(1);
    });
  });
}
