/**
 * The attack suite: a real `godwit serve` started as users start it (bin/godwit.js, settings from GODWIT_*
 * variables, a free port), attacked over HTTP and through the CLI. Three servers: auth off on loopback
 * (the laptop default), auth required, and auth required with /metrics on a listener of its own.
 * Every case counts in docs/SECURITY.md; a loopback server on 127.0.0.2, allow-listed, stands in for an
 * outside host, and one on 127.0.0.1 for an internal service that must never be reached.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type GodwitProcess, runCli, runGodwit, startGodwit } from '../support/godwit-process.ts';
import { rawRequest, startTestHost, type TestHost } from './attack-support.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const STARTUP_MS = 540_000;

let internal: TestHost;
let outside: TestHost;
let open: GodwitProcess;
let guarded: GodwitProcess;
let separate: GodwitProcess;
let metricsPort: number;
const secrets = { admin: '', user: '' };

const portOf = (server: GodwitProcess) => Number(new URL(server.url).port);

async function createKey(env: Record<string, string>, role: 'admin' | 'user'): Promise<string> {
  const output = await runGodwit(
    ['keys', 'create', '--name', `attack-${role}`, '--role', role, '--json'],
    env,
  );
  return (JSON.parse(output) as { secret: string }).secret;
}

beforeAll(async () => {
  internal = await startTestHost('127.0.0.1', (_request, response) => response.end('TOP SECRET'));
  outside = await startTestHost('127.0.0.2', (request, response) => {
    if (request.url === '/cat.png') response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (request.url === '/doc.md')
      response
        .writeHead(200, { 'content-type': 'text/markdown' })
        .end('# Tides\nThe tide turns twice a day.\n');
    else if (request.url === '/to-internal')
      response.writeHead(302, { location: `${internal.url}/secret` }).end();
    else if (request.url === '/to-metadata')
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else response.writeHead(404).end();
  });
  metricsPort = await freePort();
  // One after another: three PGlite first starts at once starve a small machine.
  const start = (env: Record<string, string>, beforeStart?: (env: Record<string, string>) => Promise<void>) =>
    startGodwit({
      env: { GODWIT_SAMPLE: 'false', ...env },
      readyTimeoutMs: STARTUP_MS / 3,
      ...(beforeStart ? { beforeStart } : {}),
    });
  open = await start({ GODWIT_URL_FETCH__ALLOWED_HOSTS: '127.0.0.2' });
  guarded = await start({ GODWIT_AUTH__MODE: 'required' }, async (env) => {
    secrets.admin = await createKey(env, 'admin');
    secrets.user = await createKey(env, 'user');
  });
  // A server that requires auth will not start without an admin key.
  separate = await start(
    { GODWIT_AUTH__MODE: 'required', GODWIT_METRICS__PORT: String(metricsPort) },
    async (env) => {
      await createKey(env, 'admin');
    },
  );
}, STARTUP_MS);

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop(), separate?.stop(), internal?.close(), outside?.close()]);
});

function chatWithImage(url: string, stream = false) {
  return fetch(`${open.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'local:extractive',
      stream,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this picture.' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    }),
  });
}

describe('SSRF through /v1/chat/completions image URLs', () => {
  it.each([
    ['a literal loopback address', `http://127.0.0.1:{internal}/secret`, 'loopback'],
    ['loopback in decimal', `http://2130706433:{internal}/secret`, 'loopback'],
    ['loopback in hex', `http://0x7f.1:{internal}/secret`, 'loopback'],
    ['loopback in octal', `http://0177.0.0.1:{internal}/secret`, 'loopback'],
    ['loopback as IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:{internal}/secret`, 'loopback'],
    ['IPv6 loopback', `http://[::1]:{internal}/secret`, 'loopback'],
    ['the unspecified address', `http://0.0.0.0:{internal}/secret`, 'unspecified'],
    ['cloud metadata (IPv4)', 'http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['cloud metadata (IPv6)', 'http://[fd00:ec2::254]/latest/meta-data/', 'cloud metadata'],
    ['a private address', 'http://10.0.0.1/', 'private'],
    ['shared carrier-grade NAT', 'http://100.64.0.1/', 'shared carrier-grade NAT'],
    ['a host name that resolves to loopback', `http://localhost:{internal}/secret`, 'loopback'],
    ['a redirect from an allowed host to loopback', `{outside}/to-internal`, 'loopback'],
    ['a redirect from an allowed host to cloud metadata', `{outside}/to-metadata`, 'cloud metadata'],
  ])('refuses %s with 400 and reaches nothing', async (_name, template, range) => {
    const url = template.replace('{internal}', String(internal.port)).replace('{outside}', outside.url);
    const before = internal.hits.length;
    const response = await chatWithImage(url);
    const body = (await response.json()) as { error: { message: string; param: string } };
    expect(response.status).toBe(400);
    expect(body.error.message).toContain(`is a ${range} address`);
    expect(body.error.param).toBe('messages[0].content[1].image_url.url');
    expect(internal.hits.length).toBe(before);
  });

  it('refuses on the streaming path too, before any event', async () => {
    const response = await chatWithImage(`http://127.0.0.1:${internal.port}/secret`, true);
    expect(response.status).toBe(400);
    expect(internal.hits).toEqual([]);
  });

  it('still answers with an image from an allowed host (control)', async () => {
    const response = await chatWithImage(`${outside.url}/cat.png`);
    expect(response.status).toBe(200);
    expect(outside.hits).toContain('/cat.png');
  });
});

describe('SSRF through godwit ingest <url>', () => {
  let emptyRoot: string;

  beforeAll(() => {
    emptyRoot = mkdtempSync(join(tmpdir(), 'godwit-attack-'));
  });

  afterAll(() => {
    rmSync(emptyRoot, { recursive: true, force: true });
  });

  it.each([
    ['a literal loopback address', 'http://127.0.0.1:{internal}/secret.md', 'loopback'],
    ['loopback in decimal', 'http://2130706433:{internal}/secret.md', 'loopback'],
    ['a host name that resolves to loopback', 'http://localhost:{internal}/secret.md', 'loopback'],
    ['a redirect from an allowed host to loopback', '{outside}/to-internal', 'loopback'],
  ])('refuses %s (exit 2) before opening the data directory', async (_name, template, range) => {
    const url = template.replace('{internal}', String(internal.port)).replace('{outside}', outside.url);
    const dataDir = join(emptyRoot, 'data');
    const result = await runCli(['ingest', url, '--kb', 'docs'], {
      env: { GODWIT_DATA_DIR: dataDir, GODWIT_URL_FETCH__ALLOWED_HOSTS: '127.0.0.2' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is a ${range} address`);
    expect(existsSync(dataDir)).toBe(false);
    expect(internal.hits).toEqual([]);
  });

  it('ingests a page from an allowed host into the running server (control)', async () => {
    const result = await runCli(['ingest', `${outside.url}/doc.md`, '--kb', 'web', '--json'], {
      env: { GODWIT_DATA_DIR: open.dataDir, GODWIT_URL_FETCH__ALLOWED_HOSTS: '127.0.0.2' },
    });
    expect(result.code, result.stderr).toBe(0);
    const listed = await fetch(`${open.url}/api/knowledge-bases/web/documents`);
    expect(JSON.stringify(await listed.json())).toContain('doc.md');
  });
});

describe('cross-site writes to the loopback server with auth off', () => {
  const evil = 'http://evil.example';

  async function documentCount(): Promise<number> {
    const response = await fetch(`${open.url}/api/knowledge-bases/notes/documents`);
    const body = (await response.json()) as { documents?: unknown[]; data?: unknown[] };
    return (body.documents ?? body.data ?? []).length;
  }

  beforeAll(async () => {
    const created = await fetch(`${open.url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'notes' }),
    });
    expect(created.status).toBe(201);
  });

  it('refuses a multipart upload from another origin with 403 and stores nothing', async () => {
    const before = await documentCount();
    const form = new FormData();
    form.append('file', new Blob(['# Planted\nplanted text']), 'planted.md');
    const response = await fetch(`${open.url}/api/knowledge-bases/notes/documents`, {
      method: 'POST',
      headers: { origin: evil },
      body: form,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'server.allowedOrigins',
    );
    expect(await documentCount()).toBe(before);
  });

  it.each([
    [
      'a form post',
      'POST',
      '/api/knowledge-bases',
      { origin: evil, 'content-type': 'application/x-www-form-urlencoded' },
      'name=planted',
    ],
    [
      'a JSON post',
      'POST',
      '/api/knowledge-bases',
      { origin: evil, 'content-type': 'text/plain' },
      '{"name":"planted"}',
    ],
    ['a chat turn', 'POST', '/api/chat', { origin: evil, 'content-type': 'text/plain' }, '{"message":"hi"}'],
    ['a delete', 'DELETE', '/api/knowledge-bases/notes', { origin: evil }, undefined],
    [
      'Sec-Fetch-Site: cross-site without Origin',
      'POST',
      '/api/knowledge-bases',
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      '{"name":"planted"}',
    ],
    [
      'Origin: null (sandboxed page)',
      'POST',
      '/api/knowledge-bases',
      { origin: 'null', 'content-type': 'application/json' },
      '{"name":"planted"}',
    ],
    [
      'a look-alike origin on another port',
      'POST',
      '/api/knowledge-bases',
      { origin: 'http://127.0.0.1:1', 'content-type': 'application/json' },
      '{"name":"planted"}',
    ],
  ])('refuses %s with 403', async (_name, method, path, headers, body) => {
    const response = await fetch(`${open.url}${path}`, { method, headers, ...(body ? { body } : {}) });
    expect(response.status).toBe(403);
    const listed = (await (await fetch(`${open.url}/api/knowledge-bases`)).json()) as unknown;
    expect(JSON.stringify(listed)).not.toContain('planted');
    expect(JSON.stringify(listed)).toContain('notes');
  });

  it('accepts writes from its own pages and from clients without an Origin (control)', async () => {
    const ownPage = await fetch(`${open.url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { origin: open.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from-page' }),
    });
    expect(ownPage.status).toBe(201);
    const curl = await fetch(`${open.url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from-curl' }),
    });
    expect(curl.status).toBe(201);
  });
});

describe('DNS rebinding: Host names the loopback server does not own', () => {
  it.each([
    ['evil.example:{port}', '/api/knowledge-bases'],
    ['evil.example', '/api/conversations'],
    ['attacker.test:{port}', '/metrics'],
    ['127.0.0.1.nip.io:{port}', '/healthz'],
  ])('answers Host %s with 421 on %s', async (host, path) => {
    const response = await rawRequest(portOf(open), {
      path,
      headers: { host: host.replace('{port}', String(portOf(open))) },
    });
    expect(response.status).toBe(421);
    expect(response.body).toContain('server.allowedHosts');
    expect(response.body).not.toContain('notes');
  });

  it('serves localhost, 127.0.0.1 and [::1] on its port (control)', async () => {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) {
      const response = await rawRequest(portOf(open), {
        path: '/healthz',
        headers: { host: `${name}:${portOf(open)}` },
      });
      expect(response.status).toBe(200);
    }
  });
});

describe('/metrics', () => {
  it('refuses a caller without credentials when auth is required (401)', async () => {
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
  });

  it('refuses a non-admin key (403)', async () => {
    const response = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: `Bearer ${secrets.user}` },
    });
    expect(response.status).toBe(403);
  });

  it('serves an admin key (control)', async () => {
    const response = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: `Bearer ${secrets.admin}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE');
  });

  it('is served only on its own listener when metrics.port is set', async () => {
    expect((await fetch(`${separate.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE');
    const other = await fetch(`http://127.0.0.1:${metricsPort}/api/knowledge-bases`);
    expect(other.status).toBe(404);
  });

  it('answers a rebinding Host on the metrics listener with 421', async () => {
    const response = await rawRequest(metricsPort, {
      path: '/metrics',
      headers: { host: `evil.example:${metricsPort}` },
    });
    expect(response.status).toBe(421);
  });

  it('stays open on the loopback server with auth off, for its own host names (control)', async () => {
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
  });
});
