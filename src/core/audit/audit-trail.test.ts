import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../storage/memory/memory-audit-log.ts';
import { migrateSchema } from '../../storage/postgres/migrate-schema.ts';
import { openPgliteClient } from '../../storage/postgres/pglite-client.ts';
import { PostgresAuditLog } from '../../storage/postgres/postgres-audit-log.ts';
import { type AuditEntry, AuditTrail } from './audit-trail.ts';

const entries: AuditEntry[] = ['a.md', 'b.md', 'c.md'].map((source) => ({
  tenantId: 'acme',
  actor: 'key:admin',
  action: 'document.upload',
  target: `kb/${source}`,
  details: { source },
}));

describe('AuditTrail.recordMany', () => {
  it('writes the events of a lot in one write where the log can, in order, each with its own id', async () => {
    const client = await openPgliteClient();
    try {
      await migrateSchema(client, undefined);
      const trail = new AuditTrail({ log: new PostgresAuditLog(client) });
      await trail.recordMany(entries);
      const events = await trail.list('acme');
      expect(events.map((event) => event.target)).toEqual(['kb/c.md', 'kb/b.md', 'kb/a.md']);
      expect(new Set(events.map((event) => event.id)).size).toBe(3);
    } finally {
      await client.close();
    }
  });

  it('records one by one where the log has no recordMany', async () => {
    const log = new MemoryAuditLog();
    const trail = new AuditTrail({ log });
    await trail.recordMany(entries);
    expect((await trail.list('acme')).map((event) => event.details.source)).toEqual(['c.md', 'b.md', 'a.md']);
  });

  it('reports a failed write once per entry and never throws', async () => {
    const client = await openPgliteClient();
    await migrateSchema(client, undefined);
    await client.close();
    const reported: AuditEntry[] = [];
    const trail = new AuditTrail({
      log: new PostgresAuditLog(client),
      reportError: (_error, entry) => reported.push(entry),
    });
    await expect(trail.recordMany(entries)).resolves.toBeUndefined();
    expect(reported).toEqual(entries);
  });
});
