/**
 * Authentication end to end through the app: API keys (x-api-key and Bearer; unknown, revoked, expired)
 * and JWTs verified against a JWKS served on loopback (valid, expired, wrong audience, wrong issuer,
 * wrong key, `alg: none`, HS256 signed with the public key), plus role checks and usage by key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import type { AuthSettings, JwtSettings } from '../../src/server/auth/auth-settings.ts';
import { createApp } from '../../src/server/index.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { postJson } from './http-helpers.ts';

const ISSUER = 'https://issuer.example/pool-1';
const AUDIENCE = 'client-abc';
const TENANT = 'acme';
const HANDBOOK = '# Leave\n\nEmployees get 25 vacation days a year.\n';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

let services: TestServices & { apiKeys: MemoryApiKeyStore };
let jwks: { server: Server; url: string; requests: number; keys: JWK[] };
let signingKey: KeyPair;
let otherKey: KeyPair;
let clock: Date;
let app: ReturnType<typeof createApp>;
let adminSecret: string;
let userSecret: string;
let userKeyId: string;

function settings(overrides: Partial<AuthSettings> = {}, jwt: Partial<JwtSettings> = {}): AuthSettings {
  return {
    mode: 'required',
    apiKeys: true,
    now: () => clock,
    jwt: {
      issuer: ISSUER,
      audience: [AUDIENCE],
      jwksUrl: jwks.url,
      tenantClaim: 'custom:tenant',
      defaultTenant: null,
      userClaim: 'sub',
      roleClaim: 'cognito:groups',
      adminValues: ['admin'],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      ...jwt,
    },
    ...overrides,
  };
}

function buildApp(auth: AuthSettings) {
  return createApp({ services, options: { logger: () => {}, auth } });
}

async function startJwks(keys: JWK[]) {
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    state.requests += 1;
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    get requests() {
      return state.requests;
    },
  };
}

function epoch(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** A token as Cognito would issue an ID token, valid for an hour from `clock`. */
function token(claims: JWTPayload = {}, options: { key?: KeyPair; kid?: string } = {}) {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: epoch(clock),
    exp: epoch(clock) + 3600,
    'custom:tenant': TENANT,
    'cognito:groups': ['staff'],
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'signing' })
    .sign((options.key ?? signingKey).privateKey);
}

function bearer(credential: string): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

beforeAll(async () => {
  clock = new Date('2026-06-01T12:00:00Z');
  signingKey = await generateKeyPair('RS256', { extractable: true });
  otherKey = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(signingKey.publicKey)), kid: 'signing', alg: 'RS256', use: 'sig' };
  jwks = await startJwks([publicJwk]);
  services = { ...(await createTestServices()), apiKeys: new MemoryApiKeyStore() };
  app = buildApp(settings());
  const now = () => clock;
  adminSecret = (
    await issueApiKey(services.apiKeys, { tenantId: TENANT, name: 'admin', role: 'admin' }, { now })
  ).secret;
  const user = await issueApiKey(services.apiKeys, { tenantId: TENANT, name: 'app', role: 'user' }, { now });
  userSecret = user.secret;
  userKeyId = user.key.id;
  const base = await services.knowledge.ensureKnowledgeBase(TENANT, 'handbook');
  await services.knowledge.ingest(TENANT, base, {
    source: 'leave.md',
    bytes: new TextEncoder().encode(HANDBOOK),
  });
});

afterAll(async () => {
  await services?.close();
  await new Promise((resolve) => jwks?.server.close(resolve));
});

describe('API keys', () => {
  it('accepts a key in x-api-key and as a Bearer token, acting in the key’s tenant', async () => {
    for (const headers of [{ 'x-api-key': userSecret }, bearer(userSecret)]) {
      const response = await app.request('/api/knowledge-bases', { headers });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { knowledgeBases: Array<{ name: string }> };
      expect(body.knowledgeBases.map((kb) => kb.name)).toEqual(['handbook']);
    }
  });

  it('refuses a request without credentials, naming how to send them', async () => {
    const response = await app.request('/api/knowledge-bases');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    const error = await errorOf(response);
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/Missing credentials.*x-api-key/);
  });

  it('refuses an unknown key without echoing the secret', async () => {
    const forged = `gw_${'A'.repeat(43)}`;
    const response = await app.request('/api/knowledge-bases', { headers: { 'x-api-key': forged } });
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.message).toMatch(/Unknown API key/);
    expect(error.message).not.toContain(forged);
  });

  it('refuses a revoked key', async () => {
    const { key, secret } = await issueApiKey(services.apiKeys, {
      tenantId: TENANT,
      name: 'old',
      role: 'user',
    });
    expect((await app.request('/api/usage', { headers: bearer(secret) })).status).toBe(200);
    await services.apiKeys.revokeApiKey(TENANT, key.id, clock);
    const response = await app.request('/api/usage', { headers: bearer(secret) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/revoked/);
  });

  it('refuses a key once it has expired', async () => {
    const expiresAt = new Date(clock.getTime() + 60_000);
    const { secret } = await issueApiKey(
      services.apiKeys,
      { tenantId: TENANT, name: 'short', role: 'user', expiresAt },
      { now: () => clock },
    );
    expect((await app.request('/api/usage', { headers: bearer(secret) })).status).toBe(200);
    const later = buildApp(settings({ now: () => new Date(expiresAt.getTime() + 1) }));
    const response = await later.request('/api/usage', { headers: bearer(secret) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/expired/);
  });

  it('records when a key was last used', async () => {
    const { key, secret } = await issueApiKey(services.apiKeys, {
      tenantId: TENANT,
      name: 'fresh',
      role: 'user',
    });
    expect(key.lastUsedAt).toBeNull();
    await app.request('/api/usage', { headers: bearer(secret) });
    expect((await services.apiKeys.findApiKeyByHash(key.hash))?.lastUsedAt).toEqual(clock);
  });

  it('refuses a non-Bearer Authorization header and conflicting credentials', async () => {
    const basic = await app.request('/api/usage', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect((await errorOf(basic)).message).toMatch(/Bearer scheme/);
    const both = await app.request('/api/usage', {
      headers: { 'x-api-key': userSecret, authorization: `Bearer ${adminSecret}` },
    });
    expect(both.status).toBe(401);
    expect((await errorOf(both)).message).toMatch(/Conflicting credentials/);
  });

  it('refuses keys when API keys are disabled', async () => {
    const jwtOnly = buildApp(settings({ apiKeys: false }));
    const response = await jwtOnly.request('/api/usage', { headers: bearer(userSecret) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/API keys are not accepted/);
  });

  it('answers 401 in OpenAI’s error shape under /v1', async () => {
    const response = await app.request('/v1/models');
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'authentication_error', code: 'unauthorized' });
    const ok = await app.request('/v1/models', { headers: bearer(userSecret) });
    expect(ok.status).toBe(200);
  });

  it('keeps /healthz, /api/healthz, /readyz, /openapi.json and /docs open, and /metrics for admins', async () => {
    for (const path of ['/healthz', '/api/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await app.request(path)).status, path).toBe(200);
    }
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: bearer(userSecret) })).status).toBe(403);
    expect((await app.request('/metrics', { headers: bearer(adminSecret) })).status).toBe(200);
  });
});

describe('auth off (a loopback server)', () => {
  it('ignores an OpenAI-style placeholder key but still refuses a bad Godwit key', async () => {
    const open = buildApp(settings({ mode: 'off' }, {}));
    const placeholder = await open.request('/api/conversations', { headers: bearer('sk-anything') });
    expect(placeholder.status).toBe(200);
    const badKey = await open.request('/api/conversations', { headers: bearer('gw_not-a-real-key') });
    expect(badKey.status).toBe(401);
    const ownKey = await open.request('/api/conversations', { headers: bearer(userSecret) });
    expect(ownKey.status).toBe(200);
  });
});

describe('JWTs', () => {
  it('accepts a valid token, mapping its claims to tenant, user and role', async () => {
    const response = await app.request('/api/knowledge-bases', { headers: bearer(await token()) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { knowledgeBases: Array<{ name: string }> };
    expect(body.knowledgeBases.map((kb) => kb.name)).toEqual(['handbook']);
    // The user role may not manage keys; the admin group may.
    expect((await app.request('/api/keys', { headers: bearer(await token()) })).status).toBe(403);
    const admin = await token({ 'cognito:groups': ['staff', 'admin'] });
    expect((await app.request('/api/keys', { headers: bearer(admin) })).status).toBe(200);
  });

  it('accepts a Cognito access token whose client_id is the audience', async () => {
    const access = await new SignJWT({ 'custom:tenant': TENANT, client_id: AUDIENCE, token_use: 'access' })
      .setProtectedHeader({ alg: 'RS256', kid: 'signing' })
      .setIssuer(ISSUER)
      .setSubject('user-2')
      .setExpirationTime(epoch(clock) + 600)
      .sign(signingKey.privateKey);
    // A user, not an admin: it reads its own usage, not another user's.
    expect((await app.request('/api/usage', { headers: bearer(access) })).status).toBe(200);
    expect((await app.request('/api/usage?user=user-1', { headers: bearer(access) })).status).toBe(403);
    expect((await app.request('/api/knowledge-bases', { headers: bearer(access) })).status).toBe(200);
  });

  it('fetches the key set once and reuses it', async () => {
    const before = jwks.requests;
    await app.request('/api/knowledge-bases', { headers: bearer(await token()) });
    await app.request('/api/knowledge-bases', { headers: bearer(await token({ sub: 'user-3' })) });
    expect(jwks.requests - before).toBe(0);
  });

  const rejected: Array<[string, () => Promise<string>, RegExp]> = [
    ['an expired token', () => token({ exp: epoch(clock) - 120, iat: epoch(clock) - 3720 }), /expired/],
    ['a token for another audience', () => token({ aud: 'someone-else' }), /wrong audience/],
    ['a token from another issuer', () => token({ iss: 'https://evil.example/pool' }), /wrong issuer/],
    ['a token not valid yet', () => token({ nbf: epoch(clock) + 600 }), /not valid yet/],
    [
      'a token signed by another key with an unknown kid',
      () => token({}, { key: otherKey, kid: 'other' }),
      /bad signature/,
    ],
    [
      'a token signed by another key under the trusted kid',
      () => token({}, { key: otherKey }),
      /bad signature/,
    ],
    ['a token without a tenant claim', () => token({ 'custom:tenant': undefined }), /custom:tenant/],
    [
      'a token whose tenant claim is not a tenant id',
      () => token({ 'custom:tenant': '../other tenant' }),
      /not a valid tenant id/,
    ],
    ['a malformed token', async () => 'not-a-jwt', /well-formed/],
    [
      'an unsigned token (alg: none)',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        const payload = Buffer.from(
          JSON.stringify({
            iss: ISSUER,
            aud: AUDIENCE,
            sub: 'attacker',
            'custom:tenant': TENANT,
            'cognito:groups': ['admin'],
            exp: epoch(clock) + 3600,
          }),
        ).toString('base64url');
        return `${header}.${payload}.`;
      },
      /algorithm is not accepted/,
    ],
    [
      'an HS256 token keyed with the public key',
      async () => {
        const publicPem = await exportSPKI(signingKey.publicKey);
        return new SignJWT({ 'custom:tenant': TENANT, 'cognito:groups': ['admin'] })
          .setProtectedHeader({ alg: 'HS256', kid: 'signing' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('attacker')
          .setExpirationTime(epoch(clock) + 3600)
          .sign(new TextEncoder().encode(publicPem));
      },
      /algorithm is not accepted/,
    ],
  ];

  it.each(rejected)('rejects %s', async (_name, make, message) => {
    const credential = await make();
    const response = await app.request('/api/knowledge-bases', { headers: bearer(credential) });
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(credential.slice(0, 40));
  });

  it('accepts a token within the clock tolerance of its expiry', async () => {
    const response = await app.request('/api/knowledge-bases', {
      headers: bearer(await token({ exp: epoch(clock) - 10 })),
    });
    expect(response.status).toBe(200);
  });

  it('uses the default tenant for tokens without the claim when one is configured', async () => {
    const withDefault = buildApp(settings({}, { defaultTenant: TENANT }));
    const response = await withDefault.request('/api/knowledge-bases', {
      headers: bearer(await token({ 'custom:tenant': undefined })),
    });
    expect(response.status).toBe(200);
  });

  it('refuses JWTs when no issuer is configured', async () => {
    const keysOnly = buildApp(settings({ jwt: null }));
    const response = await keysOnly.request('/api/usage', { headers: bearer(await token()) });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/accepts no JWTs/);
  });

  it('answers 503 when the key set cannot be loaded', async () => {
    const unreachable = buildApp(
      settings({}, { jwksUrl: `${jwks.url.replace('/.well-known/jwks.json', '')}/missing` }),
    );
    const response = await unreachable.request('/api/usage', { headers: bearer(await token()) });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).message).toMatch(/signing keys/);
  });
});

describe('roles and keys over HTTP', () => {
  it('lets an admin create, list and revoke keys; the secret is shown once and works', async () => {
    const created = await postJson(
      app,
      '/api/keys',
      { name: 'bot', role: 'user', expires: '30d' },
      bearer(adminSecret),
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as {
      key: { id: string; prefix: string; status: string; expiresAt: string; tenantId: string };
      secret: string;
      warning: string;
    };
    expect(body.secret).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
    expect(body.secret.startsWith(body.key.prefix)).toBe(true);
    expect(body.warning).toMatch(/shown once/);
    expect(body.key).toMatchObject({ status: 'active', tenantId: TENANT });
    expect(new Date(body.key.expiresAt).getTime()).toBe(clock.getTime() + 30 * 86_400_000);

    const listed = await app.request('/api/keys', { headers: bearer(adminSecret) });
    const text = await listed.text();
    expect(text).toContain(body.key.id);
    expect(text).not.toContain(body.secret);
    expect(text).not.toContain('hash');

    expect((await app.request('/api/usage', { headers: bearer(body.secret) })).status).toBe(200);
    const revoked = await app.request(`/api/keys/${body.key.id}`, {
      method: 'DELETE',
      headers: bearer(adminSecret),
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { key: { status: string } }).key.status).toBe('revoked');
    expect((await app.request('/api/usage', { headers: bearer(body.secret) })).status).toBe(401);
  });

  it('forbids users to manage keys', async () => {
    const list = await app.request('/api/keys', { headers: bearer(userSecret) });
    expect(list.status).toBe(403);
    expect((await errorOf(list)).message).toMatch(/Only admins may list API keys/);
    const create = await postJson(app, '/api/keys', { name: 'mine' }, bearer(userSecret));
    expect(create.status).toBe(403);
    const revoke = await app.request(`/api/keys/${userKeyId}`, {
      method: 'DELETE',
      headers: bearer(userSecret),
    });
    expect(revoke.status).toBe(403);
  });

  it('refuses bad key requests with 400, another tenant with 403 and an unknown id with 404', async () => {
    const past = await postJson(app, '/api/keys', { name: 'x', expires: '2020-01-01' }, bearer(adminSecret));
    expect(past.status).toBe(400);
    const garbled = await postJson(app, '/api/keys', { name: 'x', expires: 'soon' }, bearer(adminSecret));
    expect(garbled.status).toBe(400);
    expect((await errorOf(garbled)).message).toMatch(/30d/);
    const role = await postJson(app, '/api/keys', { name: 'x', role: 'root' }, bearer(adminSecret));
    expect(role.status).toBe(400);
    const elsewhere = await postJson(app, '/api/keys', { name: 'x', tenant: 'globex' }, bearer(adminSecret));
    expect(elsewhere.status).toBe(403);
    const missing = await app.request('/api/keys/key_missing', {
      method: 'DELETE',
      headers: bearer(adminSecret),
    });
    expect(missing.status).toBe(404);
  });

  it('records the calling key on usage rows; a user sees only their key’s rows, an admin sees all', async () => {
    const asUser = await postJson(
      app,
      '/api/chat',
      { message: 'Vacation days?', knowledgeBase: 'handbook' },
      bearer(userSecret),
    );
    expect(asUser.status).toBe(200);
    const asAdmin = await postJson(
      app,
      '/api/chat',
      { message: 'Vacation days?', knowledgeBase: 'handbook' },
      bearer(adminSecret),
    );
    expect(asAdmin.status).toBe(200);
    const grounded = await postJson(
      app,
      '/v1/chat/completions',
      { model: 'kb:handbook', messages: [{ role: 'user', content: 'Vacation days?' }] },
      bearer(userSecret),
    );
    expect(grounded.status).toBe(200);

    type Rows = { rows: Array<{ apiKeyId: string | null; calls: number }> };
    const userRows = (
      (await (await app.request('/api/usage', { headers: bearer(userSecret) })).json()) as Rows
    ).rows;
    expect(userRows.length).toBeGreaterThan(0);
    expect(userRows.every((row) => row.apiKeyId === userKeyId)).toBe(true);
    expect(userRows.reduce((sum, row) => sum + row.calls, 0)).toBe(2);

    const adminRows = (
      (await (await app.request('/api/usage', { headers: bearer(adminSecret) })).json()) as Rows
    ).rows;
    const keyIds = new Set(adminRows.map((row) => row.apiKeyId));
    expect(keyIds.has(userKeyId)).toBe(true);
    expect(keyIds.size).toBeGreaterThanOrEqual(2);
  });
});

describe('configuration', () => {
  it('refuses to build an app that requires auth but offers no way to authenticate', () => {
    expect(() =>
      createApp({
        services,
        options: { auth: settings({ apiKeys: false, jwt: null }) },
      }),
    ).toThrow(ConfigError);
  });

  it('acts as the local admin of the default tenant when auth is off and no credentials are sent', async () => {
    const open = buildApp(settings({ mode: 'off' }));
    const response = await open.request('/api/keys');
    expect(response.status).toBe(200);
    await issueApiKey(services.apiKeys, { tenantId: DEFAULT_TENANT, name: 'local', role: 'user' });
    const keys = ((await (await open.request('/api/keys')).json()) as { keys: Array<{ name: string }> }).keys;
    expect(keys.map((key) => key.name)).toEqual(['local']);
    // Credentials sent anyway are still checked.
    const forged = await open.request('/api/keys', { headers: bearer(`gw_${'B'.repeat(43)}`) });
    expect(forged.status).toBe(401);
  });
});

describe('JWT settings checked at start', () => {
  it('refuses a JWKS address that is not a URL when the app is built, naming the key', () => {
    expect(() => buildApp(settings({}, { jwksUrl: 'not a url' }))).toThrow(ConfigError);
    expect(() => buildApp(settings({}, { jwksUrl: 'not a url' }))).toThrow(
      /auth\.jwt\.jwksUrl is not a URL: "not a url"/,
    );
  });
});
