/**
 * Rate limits through the app: requests and tokens per minute per API key, role and tenant, the
 * OpenAI-style headers, 429 with Retry-After in both error shapes, and failed sign-ins limited per address.
 */
import { describe, expect, it, vi } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { createGovernedApp, postWithKey, TENANT, withKey } from './governed-app.ts';

const rule = (requestsPerMinute: number | null, tokensPerMinute: number | null = null) => ({
  requestsPerMinute,
  tokensPerMinute,
});

function clock(start = '2026-12-07T10:00:10Z') {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string; type?: string } }).error;
}

describe('requests per minute', () => {
  it('counts each key on its own, says what is left, and refuses the one over with 429 and Retry-After', async () => {
    const time = clock();
    const setup = await createGovernedApp({ now: time.now, limits: { caller: rule(3) } });
    const get = (secret: string) => setup.app.request('/api/knowledge-bases', { headers: withKey(secret) });
    const remaining: string[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await get(setup.user.secret);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      remaining.push(response.headers.get('x-ratelimit-remaining-requests')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await get(setup.user.secret);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('50s');
    const error = await errorOf(refused);
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/this API key may use 3 requests a minute; retry in 50 s/);
    expect((await get(setup.other.secret)).status).toBe(200);
    time.advance(50_000);
    expect((await get(setup.user.secret)).status).toBe(200);
  });

  it('answers /v1 refusals in the OpenAI error shape with the same headers', async () => {
    const setup = await createGovernedApp({ limits: { caller: rule(1) } });
    const models = () => setup.app.request('/v1/models', { headers: withKey(setup.user.secret) });
    expect((await models()).status).toBe(200);
    const refused = await models();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1');
    const error = await errorOf(refused);
    expect(error.type).toBe('rate_limit_error');
    expect(error.message).toMatch(/Rate limit reached/);
  });

  it("shares a tenant's limit among its keys, and leaves other tenants alone", async () => {
    const setup = await createGovernedApp({ limits: { tenant: rule(3) } });
    const outsider = await issueApiKey(setup.services.apiKeys, {
      tenantId: 'globex',
      name: 'g',
      role: 'user',
    });
    const get = (secret: string) => setup.app.request('/api/knowledge-bases', { headers: withKey(secret) });
    expect((await get(setup.user.secret)).status).toBe(200);
    expect((await get(setup.other.secret)).status).toBe(200);
    expect((await get(setup.admin.secret)).status).toBe(200);
    const refused = await get(setup.other.secret);
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toMatch(/this tenant may use 3 requests/);
    expect((await get(outsider.secret)).status).toBe(200);
  });

  it('takes a key rule over a role rule over the default', async () => {
    const setup = await createGovernedApp({
      limits: { caller: rule(1), roles: { admin: rule(2) }, keys: {} },
    });
    const special = await issueApiKey(setup.services.apiKeys, { tenantId: TENANT, name: 's', role: 'user' });
    setup.governance.limits.keys[special.key.id] = rule(3);
    const limitOf = async (secret: string) =>
      (await setup.app.request('/api/knowledge-bases', { headers: withKey(secret) })).headers.get(
        'x-ratelimit-limit-requests',
      );
    expect(await limitOf(setup.user.secret)).toBe('1');
    expect(await limitOf(setup.admin.secret)).toBe('2');
    expect(await limitOf(special.secret)).toBe('3');
  });

  it('limits nothing and sends no rate headers when no limit is configured', async () => {
    const setup = await createGovernedApp();
    for (let index = 0; index < 30; index++) {
      const response = await setup.app.request('/api/knowledge-bases', {
        headers: withKey(setup.user.secret),
      });
      expect(response.status).toBe(200);
      expect(response.headers.has('x-ratelimit-limit-requests')).toBe(false);
    }
  });
});

describe('tokens per minute', () => {
  it('counts the tokens each answer used and refuses calls once the window is spent', async () => {
    const time = clock();
    const setup = await createGovernedApp({ now: time.now, limits: { caller: rule(null, 60) } });
    const chat = () =>
      postWithKey(setup.app, '/api/chat', setup.user.secret, { message: 'Hello', knowledgeBase: null });
    const first = await chat();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('60');
    await first.json();
    // The mock model reports 49 tokens a call.
    await vi.waitFor(async () => {
      const response = await setup.app.request('/api/knowledge-bases', {
        headers: withKey(setup.user.secret),
      });
      expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe('11');
    });
    expect((await (await chat()).json()) as object).toHaveProperty('answer');
    await vi.waitFor(async () => {
      const refused = await chat();
      expect(refused.status).toBe(429);
      expect((await errorOf(refused)).message).toMatch(/may use 60 tokens a minute/);
    });
    time.advance(60_000);
    expect((await chat()).status).toBe(200);
  });
});

describe('failed sign-ins', () => {
  it('refuses an address after its failures, even with a right key, until the minute ends; other addresses pass', async () => {
    const time = clock();
    const setup = await createGovernedApp({
      now: time.now,
      limits: { failedAuthPerMinute: 3 },
      trustForwardedFor: true,
    });
    const from = (address: string, secret: string) =>
      setup.app.request('/api/knowledge-bases', { headers: withKey(secret, { 'x-forwarded-for': address }) });
    for (let index = 0; index < 3; index++) {
      expect((await from('203.0.113.9', `gw_guess${index}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`)).status).toBe(401);
    }
    const blocked = await from('203.0.113.9', setup.user.secret);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('50');
    expect((await errorOf(blocked)).message).toMatch(
      /Too many failed sign-ins from this address \(3 a minute\)/,
    );
    expect((await from('198.51.100.7', setup.user.secret)).status).toBe(200);
    const events = await setup.auditLog.list('default', { action: 'auth.' });
    expect(events.map((event) => [event.action, event.target])).toEqual([
      ['auth.throttled', '203.0.113.9'],
      ['auth.failure', '203.0.113.9'],
      ['auth.failure', '203.0.113.9'],
      ['auth.failure', '203.0.113.9'],
    ]);
    time.advance(50_000);
    expect((await from('203.0.113.9', setup.user.secret)).status).toBe(200);
  });
});
