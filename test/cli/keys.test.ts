/**
 * `godwit keys` in-process against a fresh data directory (the embedded database), and through a real
 * `godwit serve` child process that requires authentication and holds that directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readLockOwner } from '../../src/config/data-dir-lock.ts';
import { captureOutput } from '../support/capture-output.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const roots: string[] = [];

function freshDataDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'godwit-keys-'));
  roots.push(root);
  return join(root, 'data');
}

async function run(args: string[]) {
  const captured = captureOutput();
  const code = await main(args, captured.output);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

interface KeyJson {
  id: string;
  tenantId: string;
  name: string;
  role: string;
  prefix: string;
  status: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('godwit keys on the embedded database', () => {
  const dataDir = freshDataDir();
  const keys = (...args: string[]) => run(['--data-dir', dataDir, 'keys', ...args]);

  it('creates a key and prints its secret once, with a warning to store it', async () => {
    const created = await keys('create', '--name', 'ci');
    expect(created.code).toBe(0);
    const secrets = created.stdout.match(/gw_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(secrets).toHaveLength(1);
    expect(created.stdout).toMatch(/Created API key key_[0-9a-f]+ "ci" \(user, tenant default\)/);
    expect(created.stderr).toMatch(/shown once/);

    const listed = await keys('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('ci');
    expect(listed.stdout).toContain(secrets[0]!.slice(0, 10));
    expect(listed.stdout).not.toContain(secrets[0]!);
  });

  it('prints JSON, revokes, keeps tenants apart, and never lists a secret or hash', async () => {
    const created = await keys('create', '--name', 'bot', '--role', 'admin', '--expires', '30d', '--json');
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { key: KeyJson; secret: string; warning: string };
    expect(Object.keys(body).sort()).toEqual(['key', 'secret', 'warning']);
    expect(body.key).toMatchObject({ name: 'bot', role: 'admin', status: 'active', tenantId: 'default' });
    expect(body.secret.startsWith(body.key.prefix)).toBe(true);
    const days = (new Date(body.key.expiresAt!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const temp = JSON.parse((await keys('create', '--name', 'temp', '--json')).stdout) as { key: KeyJson };
    const revoked = await keys('revoke', temp.key.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`Revoked API key ${temp.key.id} "temp"`));
    expect((await keys('create', '--name', 'acme-app', '--tenant', 'acme')).code).toBe(0);

    const listed = await keys('list', '--json');
    expect(listed.stdout).not.toContain(body.secret);
    expect(listed.stdout).not.toMatch(/"hash"/);
    const rows = (JSON.parse(listed.stdout) as { keys: KeyJson[] }).keys;
    expect(rows.map((row) => row.name)).toEqual(['temp', 'bot', 'ci']);
    expect(rows[0]).toMatchObject({ status: 'revoked' });
    const acme = (
      JSON.parse((await keys('list', '--tenant', 'acme', '--json')).stdout) as { keys: KeyJson[] }
    ).keys;
    expect(acme.map((row) => row.name)).toEqual(['acme-app']);
  });

  it('refuses bad input with exit code 2, naming the problem, and creates nothing', async () => {
    const before = (await keys('list', '--json')).stdout;
    const cases: Array<[string[], RegExp | null]> = [
      // commander reports a missing required option itself, on the process's stderr.
      [['create'], null],
      [['create', '--name', 'x', '--role', 'root'], /--role must be admin or user/],
      [['create', '--name', 'x', '--expires', 'soon'], /--expires must be a duration/],
      [['create', '--name', 'x', '--expires', '2020-01-01'], /--expires is in the past/],
      [['create', '--name', 'x', '--tenant', 'bad tenant!'], /--tenant must be/],
      [['create', '--name', ' '], /--name must be 1-100 characters/],
    ];
    for (const [args, message] of cases) {
      const result = await keys(...args);
      expect(result.code, args.join(' ')).toBe(2);
      if (message) expect(result.stderr).toMatch(message);
    }
    expect((await keys('list', '--json')).stdout).toBe(before);
  });

  it('fails with exit code 1 for an unknown key id', async () => {
    const result = await keys('revoke', 'key_doesnotexist');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/API key key_doesnotexist not found/);
  });
});

describe('godwit serve on a non-loopback host', () => {
  it('refuses to start without a way to authenticate, naming the fix', async () => {
    const result = await run([
      '--data-dir',
      freshDataDir(),
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--no-sample',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/godwit keys create --name admin --role admin/);
  });

  it('refuses auth.mode=off', async () => {
    vi.stubEnv('GODWIT_AUTH__MODE', 'off');
    const result = await run([
      '--data-dir',
      freshDataDir(),
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--no-sample',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GODWIT_AUTH__MODE=required/);
  });
});

describe('godwit keys through a running server that requires authentication', () => {
  const dataDir = freshDataDir();
  let server: ChildProcess | undefined;
  let output = '';
  let adminSecret: string;

  beforeAll(async () => {
    const created = await run([
      '--data-dir',
      dataDir,
      'keys',
      'create',
      '--name',
      'admin',
      '--role',
      'admin',
      '--json',
    ]);
    expect(created.code).toBe(0);
    adminSecret = (JSON.parse(created.stdout) as { secret: string }).secret;
    server = spawn(process.execPath, ['bin/godwit.js', 'serve', '--port', '0', '--no-sample'], {
      cwd: ROOT,
      env: { ...withoutGodwitVariables(), GODWIT_DATA_DIR: dataDir, GODWIT_AUTH__MODE: 'required' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    server.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    await waitForServerUrl(dataDir, server, () => output);
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('announces that auth is required', () => {
    expect(output).toMatch(/auth: +required \(API keys\)/);
  });

  it('asks for GODWIT_API_KEY when none is set', async () => {
    const result = await run(['--data-dir', dataDir, 'keys', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Missing credentials/);
    expect(result.stderr).toMatch(/set GODWIT_API_KEY/);
  });

  it('creates, lists and revokes keys through the server with an admin key', async () => {
    vi.stubEnv('GODWIT_API_KEY', adminSecret);
    const created = await run(['--data-dir', dataDir, 'keys', 'create', '--name', 'bot', '--json']);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { key: KeyJson; secret: string };
    expect(body.key).toMatchObject({ name: 'bot', role: 'user', tenantId: 'default' });

    const listed = await run(['--data-dir', dataDir, 'keys', 'list', '--json']);
    const names = (JSON.parse(listed.stdout) as { keys: KeyJson[] }).keys.map((key) => key.name);
    expect(names).toEqual(['bot', 'admin']);
    expect(listed.stdout).not.toContain(body.secret);

    const other = await run(['--data-dir', dataDir, 'keys', 'list', '--tenant', 'acme']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/own tenant/);

    expect((await run(['--data-dir', dataDir, 'keys', 'revoke', body.key.id])).code).toBe(0);
    // The revoked key no longer gets in, even for a user-level call.
    vi.stubEnv('GODWIT_API_KEY', body.secret);
    const refused = await run(['--data-dir', dataDir, 'usage']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/revoked/);
  });

  it('refuses key management with a user key', async () => {
    vi.stubEnv('GODWIT_API_KEY', adminSecret);
    const created = JSON.parse(
      (await run(['--data-dir', dataDir, 'keys', 'create', '--name', 'reader', '--json'])).stdout,
    ) as { secret: string };
    vi.stubEnv('GODWIT_API_KEY', created.secret);
    const result = await run(['--data-dir', dataDir, 'keys', 'create', '--name', 'sneaky']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Only admins may create API keys/);
    expect((await run(['--data-dir', dataDir, 'usage', '--json'])).code).toBe(0);
  });

  it('lists the audit trail through the server: console and API key actions, failed sign-ins, filters', async () => {
    vi.stubEnv('GODWIT_API_KEY', adminSecret);
    const all = await run(['--data-dir', dataDir, 'audit', '--json']);
    expect(all.code).toBe(0);
    const events = (JSON.parse(all.stdout) as { events: Array<{ action: string; actor: string }> }).events;
    const actions = events.map(
      (event) => `${event.action} ${event.actor.startsWith('key:') ? 'key' : event.actor}`,
    );
    // The first admin key was made at the console before the server started; the rest through the API.
    expect(actions.at(-1)).toBe('key.create cli');
    expect(actions).toContain('key.revoke key');
    expect(actions).toContain('auth.failure anonymous');
    const revokes = await run(['--data-dir', dataDir, 'audit', '--action', 'key.revoke', '--json']);
    expect((JSON.parse(revokes.stdout) as { events: unknown[] }).events).toHaveLength(1);
    const table = await run(['--data-dir', dataDir, 'audit', '--action', 'key.', '--limit', '2']);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    const bad = await run(['--data-dir', dataDir, 'audit', '--limit', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit must be a whole number/);
  });

  it('refuses the audit trail to a user key', async () => {
    vi.stubEnv('GODWIT_API_KEY', adminSecret);
    const created = JSON.parse(
      (await run(['--data-dir', dataDir, 'keys', 'create', '--name', 'peeker', '--json'])).stdout,
    ) as { secret: string };
    vi.stubEnv('GODWIT_API_KEY', created.secret);
    const result = await run(['--data-dir', dataDir, 'audit']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Only admins may read the audit log/);
  });
});

function withoutGodwitVariables(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(OPENAI_|GOOGLE_|AWS_|OLLAMA_|GODWIT_)/.test(name)) env[name] = value;
  }
  return env;
}

/** The server publishes its URL in the data dir's lock once it listens; the banner ends with the metrics line. */
async function waitForServerUrl(dataDir: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`godwit serve exited with ${child.exitCode}:\n${output()}`);
    if (readLockOwner(dataDir)?.serverUrl && / {2}metrics: /.test(output())) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`godwit serve did not start within 90 s:\n${output()}`);
}
