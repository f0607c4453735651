/**
 * `GET /api/usage` per user: every model call, through `/api/chat` and `/v1/chat/completions`, is recorded
 * for the user who made it; an admin reads the whole tenant by user or one user; a key reads only its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createGovernedApp, postWithKey, TENANT, withKey } from './governed-app.ts';

type Setup = Awaited<ReturnType<typeof createGovernedApp>>;
interface UsageBody {
  rows: Array<{ userId?: string | null; apiKeyId?: string | null; calls: number }>;
  budgets: Array<{ scope: string; id: string }>;
}

let setup: Setup;

async function usage(secret: string, query: string) {
  return setup.app.request(`/api/usage${query}`, { headers: withKey(secret) });
}

beforeAll(async () => {
  setup = await createGovernedApp({
    budgets: {
      key: { dailyUsd: 10, monthlyUsd: null },
      users: { 'discord:111': { dailyUsd: 1, monthlyUsd: null } },
    },
  });
  const chat = { message: 'Hello', knowledgeBase: null };
  for (const response of [
    await postWithKey(setup.app, '/api/chat', setup.user.secret, chat),
    await postWithKey(setup.app, '/api/chat', setup.user.secret, chat),
    await postWithKey(setup.app, '/api/chat', setup.other.secret, chat),
    await postWithKey(setup.app, '/v1/chat/completions', setup.other.secret, {
      model: 'mock:answer',
      stream: true,
      messages: [{ role: 'user', content: 'Hello' }],
    }),
  ]) {
    expect(response.status).toBe(200);
    await response.text();
  }
});

describe('GET /api/usage by user', () => {
  it('records every call for the user who made it, on the chat API and /v1 alike', async () => {
    const rows = await setup.services.usage.summarize(TENANT);
    const calls = (userId: string) =>
      rows.filter((row) => row.userId === userId).reduce((sum, row) => sum + row.calls, 0);
    expect(calls(`key:${setup.user.key.id}`)).toBe(2);
    expect(calls(`key:${setup.other.key.id}`)).toBe(2);
    expect(rows.every((row) => row.userId === `key:${row.apiKeyId}`)).toBe(true);
  });

  it('gives an admin every user of the tenant, or the one it names', async () => {
    const all = (await (await usage(setup.admin.secret, '?groupBy=user')).json()) as UsageBody;
    const users = new Set(all.rows.map((row) => row.userId));
    expect(users).toEqual(new Set([`key:${setup.user.key.id}`, `key:${setup.other.key.id}`]));
    expect(all.rows.every((row) => !('apiKeyId' in row))).toBe(true);
    // The configured user budget is listed even before that user has spent anything.
    expect(all.budgets.map((budget) => budget.id)).toContain(`${TENANT}/discord:111`);

    const named = `key:${setup.other.key.id}`;
    const one = (await (
      await usage(setup.admin.secret, `?groupBy=user&user=${encodeURIComponent(named)}`)
    ).json()) as UsageBody;
    expect(one.rows.map((row) => row.userId)).toEqual([named]);
    expect(one.rows[0]?.calls).toBe(2);
  });

  it("shows a key only its own calls, and refuses another user's with 403", async () => {
    const own = (await (await usage(setup.user.secret, '?groupBy=user')).json()) as UsageBody;
    expect(own.rows.map((row) => [row.userId, row.calls])).toEqual([[`key:${setup.user.key.id}`, 2]]);
    expect(own.budgets.map((budget) => budget.id)).toEqual([`${TENANT}/${setup.user.key.id}`]);

    const byKey = (await (await usage(setup.user.secret, '')).json()) as UsageBody;
    expect(byKey.rows.map((row) => row.apiKeyId)).toEqual([setup.user.key.id]);

    const other = await usage(setup.user.secret, `?user=${encodeURIComponent(`key:${setup.other.key.id}`)}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { message: string } }).error.message).toMatch(
      /Only an admin may read another user's usage/,
    );
  });

  it('refuses an unknown grouping with 400 naming the choices', async () => {
    const response = await usage(setup.admin.secret, '?groupBy=model');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual(
      expect.objectContaining({ code: 'validation_failed', message: 'groupBy: expected "key" or "user"' }),
    );
  });
});
