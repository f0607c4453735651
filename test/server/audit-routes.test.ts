/**
 * The audit trail through the app: admin actions over HTTP (keys, knowledge bases, documents,
 * conversations) and failed sign-ins are recorded, and `GET /api/audit` lists them per tenant, filtered and
 * paged, to admins only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { createGovernedApp, postWithKey, TENANT, withKey } from './governed-app.ts';

type Setup = Awaited<ReturnType<typeof createGovernedApp>>;
let setup: Setup;

interface AuditPage {
  events: Array<{
    id: string;
    actor: string;
    action: string;
    target: string;
    details: Record<string, unknown>;
  }>;
  nextCursor: string | null;
}

async function audit(query = '', secret = setup.admin.secret): Promise<AuditPage> {
  const response = await setup.app.request(`/api/audit${query}`, { headers: withKey(secret) });
  expect(response.status).toBe(200);
  return (await response.json()) as AuditPage;
}

beforeAll(async () => {
  setup = await createGovernedApp();
});

describe('admin actions are recorded', () => {
  it('records key creation and revocation with the admin as actor, never the secret', async () => {
    const created = await postWithKey(setup.app, '/api/keys', setup.admin.secret, {
      name: 'ci',
      role: 'user',
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const revoked = await setup.app.request(`/api/keys/${key.id}`, {
      method: 'DELETE',
      headers: withKey(setup.admin.secret),
    });
    expect(revoked.status).toBe(200);
    const { events } = await audit('?action=key.');
    expect(events.map((event) => [event.action, event.target, event.actor])).toEqual([
      ['key.revoke', key.id, `key:${setup.admin.key.id}`],
      ['key.create', key.id, `key:${setup.admin.key.id}`],
    ]);
    expect(events[1]!.details).toMatchObject({
      name: 'ci',
      keyRole: 'user',
      role: 'admin',
      method: 'api-key',
    });
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('records knowledge base creation and deletion, and document upload and deletion', async () => {
    const kb = await postWithKey(setup.app, '/api/knowledge-bases', setup.user.secret, { name: 'policies' });
    expect(kb.status).toBe(201);
    const form = new FormData();
    form.append('file', new File(['# Leave\n\nTwenty-five days.\n'], 'leave.md', { type: 'text/markdown' }));
    const upload = await setup.app.request('/api/knowledge-bases/policies/documents', {
      method: 'POST',
      headers: withKey(setup.user.secret),
      body: form,
    });
    expect(upload.status).toBe(201);
    const { results } = (await upload.json()) as { results: Array<{ documentId: string }> };
    const documentId = results[0]!.documentId;
    const deleteDocument = await setup.app.request(`/api/knowledge-bases/policies/documents/${documentId}`, {
      method: 'DELETE',
      headers: withKey(setup.user.secret),
    });
    expect(deleteDocument.status).toBe(204);
    const deleteBase = await setup.app.request('/api/knowledge-bases/policies', {
      method: 'DELETE',
      headers: withKey(setup.user.secret),
    });
    expect(deleteBase.status).toBe(204);
    const { events } = await audit(`?actor=key:${setup.user.key.id}`);
    expect(events.map((event) => [event.action, event.target])).toEqual([
      ['knowledge_base.delete', 'policies'],
      ['document.delete', `policies/${documentId}`],
      ['document.upload', 'policies/leave.md'],
      ['knowledge_base.create', 'policies'],
    ]);
    expect(events[2]!.details).toMatchObject({ status: 'created', documentId });
  });

  it('records nothing for a refused action', async () => {
    const before = (await audit()).events.length;
    const refused = await postWithKey(setup.app, '/api/keys', setup.user.secret, {
      name: 'sneaky',
      role: 'admin',
    });
    expect(refused.status).toBe(403);
    const missing = await setup.app.request('/api/knowledge-bases/nope', {
      method: 'DELETE',
      headers: withKey(setup.user.secret),
    });
    expect(missing.status).toBe(404);
    expect((await audit()).events.length).toBe(before);
  });

  it('records each failed sign-in, in the default tenant, with the reason, the path and the kind of credential, never its value', async () => {
    const forged = 'gw_thisIsNotARealKeyAtAll000000000000000';
    const response = await setup.app.request('/api/knowledge-bases', { headers: withKey(forged) });
    expect(response.status).toBe(401);
    const jwt = await setup.app.request('/v1/models', { headers: { authorization: 'Bearer a.b.c' } });
    expect(jwt.status).toBe(401);
    // A failed sign-in proves no tenant: it is kept in the default tenant, whose admins run the server.
    const operator = await issueApiKey(setup.services.apiKeys, {
      tenantId: 'default',
      name: 'op',
      role: 'admin',
    });
    const { events } = await audit('?action=auth.failure', operator.secret);
    expect((await audit('?action=auth.failure')).events).toEqual([]);
    expect(
      events.slice(0, 2).map((event) => [event.actor, event.details.path, event.details.credential]),
    ).toEqual([
      ['anonymous', '/v1/models', 'jwt'],
      ['anonymous', '/api/knowledge-bases', 'api-key'],
    ]);
    expect(String(events[1]!.details.reason)).toMatch(/API key/);
    expect(JSON.stringify(events)).not.toContain(forged);
  });
});

describe('GET /api/audit', () => {
  it('pages through every event without gaps or repeats', async () => {
    const all = (await audit('?limit=1000')).events;
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await audit(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((event) => event.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((event) => event.id));
  });

  it('filters by time: nothing before the events, all of them through today', async () => {
    expect((await audit('?to=2000-01-01')).events).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await audit(`?from=${today}&to=${today}`)).events.length).toBe((await audit()).events.length);
  });

  it('is for admins only', async () => {
    const response = await setup.app.request('/api/audit', { headers: withKey(setup.user.secret) });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /Only admins may read the audit log/,
    );
  });

  it("shows an admin only their own tenant's events", async () => {
    const outsider = await issueApiKey(setup.services.apiKeys, {
      tenantId: 'globex',
      name: 'a',
      role: 'admin',
    });
    const created = await postWithKey(setup.app, '/api/keys', outsider.secret, { name: 'globex-ci' });
    expect(created.status).toBe(201);
    const globex = await audit('', outsider.secret);
    expect(globex.events.map((event) => event.action)).toEqual(['key.create']);
    expect((await audit()).events.some((event) => event.details.name === 'globex-ci')).toBe(false);
    expect(TENANT).not.toBe('globex');
  });

  it('refuses a bad cursor, limit, date or range with a 400 naming it', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?cursor=not-a-cursor', /cursor is not one this server gave out/],
      ['?limit=0', /limit/],
      ['?limit=5000', /limit/],
      ['?from=yesterday', /ISO 8601/],
      ['?from=2026-02-01&to=2026-01-01', /after query.to/],
    ];
    for (const [query, message] of cases) {
      const response = await setup.app.request(`/api/audit${query}`, {
        headers: withKey(setup.admin.secret),
      });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message, query).toMatch(
        message,
      );
    }
  });
});
