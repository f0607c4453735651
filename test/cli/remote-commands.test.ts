/**
 * The CLI beside a running `godwit serve`: commands on the server's data dir go through its HTTP API (the
 * data dir is the server's, so the CLI opens no second database). The commands run in this process; the
 * server is the compiled `godwit serve` as users run it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type GodwitProcess, runGodwit, startGodwit } from '../support/godwit-process.ts';

const saved = { ...process.env };

async function run(dataDir: string, args: string[], env: Record<string, string | undefined> = {}) {
  const captured = captureOutput();
  const before = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    const code = await main(['--data-dir', dataDir, ...args], captured.output);
    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  } finally {
    process.env = before;
  }
}

beforeAll(() => {
  // Nothing of the machine's own set-up reaches the commands.
  for (const name of Object.keys(process.env))
    if (/^(GODWIT_|OPENAI_|AWS_|GOOGLE_|OLLAMA_)/.test(name)) delete process.env[name];
});

afterAll(() => {
  process.env = saved;
});

describe('CLI commands through a running server (auth off on loopback)', () => {
  let server: GodwitProcess;

  beforeAll(async () => {
    server = await startGodwit();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('lists knowledge bases and answers with citations from the server', async () => {
    const listed = await run(server.dataDir, ['kb', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).knowledgeBases.map((kb: { name: string }) => kb.name)).toContain(
      'handbook',
    );
    const text = await run(server.dataDir, ['kb', 'list']);
    expect(text.stdout).toMatch(/^handbook: \d+ documents, \d+ chunks; keyword search$/m);

    const asked = await run(server.dataDir, [
      'ask',
      'How many vacation days do new employees get?',
      '--json',
    ]);
    expect(asked.code).toBe(0);
    const answer = JSON.parse(asked.stdout);
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(answer.model).toBe('local:extractive');
    // The turn is the server's: it is in its conversation list.
    const conversations = await (await fetch(`${server.url}/api/conversations?q=vacation`)).json();
    expect(conversations.conversations.length).toBeGreaterThan(0);

    const plain = await run(server.dataDir, ['ask', 'What is the password policy?', '--kb', 'handbook']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/\[1\]/);
  });

  it('searches with locations and scores', async () => {
    const result = await run(server.dataDir, [
      'search',
      'vacation days',
      '--kb',
      'handbook',
      '--k',
      '3',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const { results } = JSON.parse(result.stdout);
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ source: expect.any(String), score: expect.any(Number) });
    const text = await run(server.dataDir, ['search', 'vacation days', '--kb', 'handbook', '--k', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/1\./);
  });

  it('ingests a folder through the server, reporting a bad file and keeping the good one', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'godwit-remote-ingest-'));
    writeFileSync(join(folder, 'parking.md'), '# Parking\n\nStaff park in the north lot.\n');
    writeFileSync(join(folder, 'broken.pdf'), 'not a pdf at all');
    const result = await run(server.dataDir, ['ingest', folder, '--kb', 'facilities', '--json']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ knowledgeBase: 'facilities', files: 2, created: 1, chunks: 1 });
    expect(summary.skipped).toEqual([{ source: 'broken.pdf', reason: expect.any(String) }]);
    const documents = await (await fetch(`${server.url}/api/knowledge-bases/facilities/documents`)).json();
    expect(
      documents.documents.map((d: { source: string; status: string }) => [d.source, d.status]),
    ).toContainEqual(['parking.md', 'ready']);

    // The same file again is unchanged; then the knowledge base goes.
    const again = await run(server.dataDir, ['ingest', join(folder, 'parking.md'), '--kb', 'facilities']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged/i);
    const deleted = await run(server.dataDir, ['kb', 'delete', 'facilities']);
    expect(deleted.code).toBe(0);
    expect((await fetch(`${server.url}/api/knowledge-bases/facilities`)).status).toBe(404);
  });

  it('sends a folder several files a request, and a file the server refuses fails alone', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'godwit-remote-batch-'));
    for (let index = 0; index < 150; index++) {
      writeFileSync(
        join(folder, `note-${String(index).padStart(3, '0')}.md`),
        `# Note ${index}\n\nShelf ${index} holds binder ${index * 7}.\n`,
      );
    }
    // A newline in a name is legal on Linux and refused by the server for the whole request it is in.
    writeFileSync(
      join(folder, 'note-050\nsecond line.md'),
      '# Odd name\n\nA file with a newline in its name.\n',
    );
    const result = await run(server.dataDir, ['ingest', folder, '--kb', 'shelves', '--json']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ knowledgeBase: 'shelves', files: 151, created: 150 });
    expect(summary.skipped).toEqual([
      { source: 'note-050\nsecond line.md', reason: expect.stringMatching(/control character/) },
    ]);
    // Every file but the refused one is there, and they came in a few requests, not one each.
    const documents = await (await fetch(`${server.url}/api/knowledge-bases/shelves/documents`)).json();
    expect(documents.documents).toHaveLength(150);
    const { events } = await (await fetch(`${server.url}/api/audit?action=document.upload&limit=500`)).json();
    const uploads = events.filter((event: { target: string }) => event.target.startsWith('shelves/'));
    expect(uploads).toHaveLength(150);
    const requests = new Set(
      uploads.map((event: { details: { requestId: string } }) => event.details.requestId),
    );
    expect(requests.size).toBeGreaterThanOrEqual(3);
    expect(requests.size).toBeLessThan(30);
    const searched = await run(server.dataDir, ['search', 'binder 707', '--kb', 'shelves', '--json']);
    expect(JSON.parse(searched.stdout).results[0].source).toBe('note-101.md');
  });

  it('names the knowledge base the server does not have, and stores nothing', async () => {
    const before = await (await fetch(`${server.url}/api/conversations`)).json();
    const asked = await run(server.dataDir, ['ask', 'Anything?', '--kb', 'no-such-kb']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/no-such-kb/);
    const searched = await run(server.dataDir, ['search', 'x', '--kb', 'no-such-kb']);
    expect(searched.code).toBe(1);
    const deleted = await run(server.dataDir, ['kb', 'delete', 'no-such-kb']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(/no-such-kb/);
    const after = await (await fetch(`${server.url}/api/conversations`)).json();
    expect(after.conversations).toHaveLength(before.conversations.length);
  });

  it('reports usage and the audit log from the server', async () => {
    await run(server.dataDir, ['ask', 'Who approves travel?', '--kb', 'handbook']);
    const usage = await run(server.dataDir, ['usage', '--json']);
    expect(usage.code).toBe(0);
    const { rows } = JSON.parse(usage.stdout);
    expect(rows.find((row: { model: string }) => row.model === 'local:extractive')?.calls).toBeGreaterThan(0);
    const text = await run(server.dataDir, ['usage']);
    expect(text.stdout).toMatch(/local:extractive/);

    const audit = await run(server.dataDir, ['audit', '--json', '--action', 'knowledge_base.']);
    expect(audit.code).toBe(0);
    const { events } = JSON.parse(audit.stdout);
    // The knowledge base the ingest test created and deleted is in the log, both times.
    expect(events.map((event: { action: string }) => event.action)).toEqual(
      expect.arrayContaining(['knowledge_base.delete']),
    );
  });
});

describe('godwit ingest --server with a small upload limit', () => {
  let server: GodwitProcess;

  beforeAll(async () => {
    server = await startGodwit({
      env: { GODWIT_SAMPLE: 'false', GODWIT_SERVER__MAX_UPLOAD_BYTES: '4096' },
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('keeps requests under the limit the server states, and a file over it fails alone', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'godwit-remote-limit-'));
    for (let index = 0; index < 12; index++) {
      writeFileSync(
        join(folder, `part-${index}.md`),
        `# Part ${index}\n\n${'Bolts and washers. '.repeat(40)}\n`,
      );
    }
    writeFileSync(join(folder, 'manual.md'), `# Manual\n\n${'Torque to spec. '.repeat(600)}\n`);
    const result = await run(server.dataDir, ['ingest', folder, '--kb', 'parts', '--json']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ files: 13, created: 12 });
    expect(summary.skipped).toEqual([
      {
        source: 'manual.md',
        reason: expect.stringMatching(
          /^manual\.md \(\d+ bytes\) is larger than .*server\.maxUploadBytes, 4096 bytes/,
        ),
      },
    ]);
    // Several files fit a request under 4 KiB; none was refused for the size of its request.
    const { events } = await (await fetch(`${server.url}/api/audit?action=document.upload&limit=100`)).json();
    const requests = new Set(
      events.map((event: { details: { requestId: string } }) => event.details.requestId),
    );
    expect(events).toHaveLength(12);
    expect(requests.size).toBeGreaterThan(1);
    expect(requests.size).toBeLessThan(12);
  });
});

describe('CLI commands through a server that requires a key', () => {
  let server: GodwitProcess;
  let adminKey: string;

  beforeAll(async () => {
    server = await startGodwit({
      env: { GODWIT_AUTH__MODE: 'required', GODWIT_SAMPLE: 'false' },
      beforeStart: async (env) => {
        const created = JSON.parse(
          await runGodwit(['keys', 'create', '--name', 'admin', '--role', 'admin', '--json'], env),
        );
        adminKey = created.secret;
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('says which variable to set when no key is given, and works with one', async () => {
    const refused = await run(server.dataDir, ['kb', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/requires authentication: set GODWIT_API_KEY/);
    const allowed = await run(server.dataDir, ['kb', 'list', '--json'], { GODWIT_API_KEY: adminKey });
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toEqual({ knowledgeBases: [] });
  });

  it('creates, lists and revokes keys through the server; a revoked key stops working', async () => {
    const env = { GODWIT_API_KEY: adminKey };
    const created = await run(server.dataDir, ['keys', 'create', '--name', 'ci', '--json'], env);
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.stdout);
    expect(key).toMatchObject({ name: 'ci', role: 'user', status: 'active' });

    const listed = await run(server.dataDir, ['keys', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout).keys.map((entry: { id: string }) => entry.id)).toContain(key.id);
    expect(listed.stdout).not.toContain(secret);

    expect((await run(server.dataDir, ['kb', 'list'], { GODWIT_API_KEY: secret })).code).toBe(0);
    const revoked = await run(server.dataDir, ['keys', 'revoke', key.id, '--json'], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).key.status).toBe('revoked');
    const after = await run(server.dataDir, ['kb', 'list'], { GODWIT_API_KEY: secret });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/revoked|not valid|unknown/i);

    // A user key may not manage keys.
    const user = JSON.parse(
      (await run(server.dataDir, ['keys', 'create', '--name', 'u', '--json'], env)).stdout,
    );
    const forbidden = await run(server.dataDir, ['keys', 'list'], { GODWIT_API_KEY: user.secret });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/admin/i);
  });
});

describe('CLI commands when the server has gone away', () => {
  it('opens the data dir itself once the server that held it has crashed', async () => {
    const server = await startGodwit({ env: { GODWIT_SAMPLE: 'false' } });
    // Killed as a crash would be: its lock file stays, naming a process that is gone.
    await server.kill();
    try {
      const result = await run(server.dataDir, ['kb', 'list']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/No knowledge bases yet/);
    } finally {
      await server.stop();
    }
  });

  it('says the server cannot be reached, naming its address, when its process lives but does not answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'godwit-remote-gone-'));
    // A live process that owns the data dir as a server, at an address nothing answers on.
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      writeFileSync(
        join(dataDir, 'godwit.lock'),
        JSON.stringify({ pid: owner.pid, serverUrl: 'http://127.0.0.1:9', command: 'serve' }),
      );
      const result = await run(dataDir, ['kb', 'list']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Cannot reach the Godwit server at http://127.0.0.1:9');
    } finally {
      owner.kill();
    }
  });
});
