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

    it('records several events in one write as record would, the first of a repeated id kept', async () => {
      const { audit } = stores();
      // An adapter without recordMany gets the events one by one, as the trail then sends them.
      const recordMany =
        audit.recordMany?.bind(audit) ??
        (async (list: readonly AuditEvent[]) => {
          for (const item of list) await audit.record(item);
        });
      const tenant = newTenant();
      const events = [event(tenant, 1), event(tenant, 2), event(tenant, 3)];
      await recordMany(events);
      expect(await audit.list(tenant)).toEqual([events[2], events[1], events[0]]);
      // Ids already stored, and one repeated within the lot, keep their first event.
      const fresh = event(tenant, 4);
      await recordMany([{ ...events[0]!, action: 'rewritten' }, fresh, { ...fresh, target: 'later' }]);
      expect(await audit.list(tenant)).toEqual([fresh, events[2], events[1], events[0]]);
      await recordMany([]);
      expect(await audit.list(tenant)).toHaveLength(4);
    });

    it("keeps each tenant's events to itself", async () => {
      const { audit } = stores();
      const tenantA = newTenant();
      await audit.record(event(tenantA, 1));
      expect(await audit.list(newTenant())).toEqual([]);
      expect(await audit.list(tenantA)).toHaveLength(1);
    });

    it('filters by time range, action (exact or prefix) and actor', async () => {
      const { audit } = stores();
      const tenant = newTenant();
      const created = event(tenant, 1, { action: 'key.create', actor: 'key:a' });
      const revoked = event(tenant, 2, { action: 'key.revoke', actor: 'key:b' });
      const deleted = event(tenant, 3, { action: 'knowledge_base.delete', actor: 'key:a' });
      const failed = event(tenant, 4, { action: 'auth.failure', actor: 'anonymous' });
      for (const item of [created, revoked, deleted, failed]) await audit.record(item);
      const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 10, minute));
      expect(await audit.list(tenant, { from: at(2), to: at(3) })).toEqual([deleted, revoked]);
      expect(await audit.list(tenant, { from: at(3) })).toEqual([failed, deleted]);
      expect(await audit.list(tenant, { to: at(1) })).toEqual([created]);
      expect(await audit.list(tenant, { action: 'key.revoke' })).toEqual([revoked]);
      expect(await audit.list(tenant, { action: 'key.' })).toEqual([revoked, created]);
      expect(await audit.list(tenant, { action: 'key*' })).toEqual([revoked, created]);
      expect(await audit.list(tenant, { action: 'key' })).toEqual([]);
      expect(await audit.list(tenant, { actor: 'key:a' })).toEqual([deleted, created]);
      expect(await audit.list(tenant, { actor: 'key:a', action: 'key.', from: at(1), to: at(4) })).toEqual([
        created,
      ]);
    });

    it('pages without gaps or repeats, ties at one instant broken by id', async () => {
      const { audit } = stores();
      const tenant = newTenant();
      const sameInstant = [1, 2, 3, 4, 5].map((n) =>
        event(tenant, 7, { id: `audit-tie-${n}`, target: `t${n}` }),
      );
      const others = [event(tenant, 9), event(tenant, 5)];
      for (const item of [...sameInstant, ...others]) await audit.record(item);
      const seen: AuditEvent[] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const events = await audit.list(tenant, { limit: 3, ...(after ? { after } : {}) });
        seen.push(...events);
        if (events.length < 3) break;
        const last = events.at(-1)!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen.map((item) => item.id)).toEqual([
        others[0]!.id,
        'audit-tie-5',
        'audit-tie-4',
        'audit-tie-3',
        'audit-tie-2',
        'audit-tie-1',
        others[1]!.id,
      ]);
    });

    it('refuses a bad page size or an inverted range, naming the field', async () => {
      const { audit } = stores();
      const tenant = newTenant();
      await expect(audit.list(tenant, { limit: 0 })).rejects.toThrow(/limit/);
      await expect(audit.list(tenant, { limit: 1001 })).rejects.toThrow(/limit/);
      await expect(
        audit.list(tenant, { from: new Date('2026-05-02'), to: new Date('2026-05-01') }),
      ).rejects.toThrow(/from is after to/);
    });
  });
}
