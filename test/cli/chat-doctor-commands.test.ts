/**
 * `godwit chat` and `godwit doctor` in process: chat reads its lines from a stream as it reads a pipe, on a
 * data dir of its own and beside a running server; doctor reports the storage, the server that holds the
 * data dir, and Redis — reachable or not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCommand } from '../../src/cli/commands/chat.ts';
import { doctorCommand, redisCheck } from '../../src/cli/commands/doctor.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { describeWithService, redisUrl } from '../support/services.ts';

const saved = { ...process.env };

beforeAll(() => {
  for (const name of Object.keys(process.env))
    if (/^(GODWIT_|OPENAI_|AWS_|GOOGLE_|OLLAMA_)/.test(name)) delete process.env[name];
});

afterAll(() => {
  process.env = saved;
});

async function chat(dataDir: string, lines: string[], options: { kb?: string; sample?: boolean } = {}) {
  const captured = captureOutput();
  const code = await chatCommand(
    { dataDir, sample: options.sample ?? true, ...(options.kb ? { kb: options.kb } : {}) },
    captured.output,
    Readable.from(lines.map((line) => `${line}\n`)),
  );
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('godwit chat', () => {
  let server: GodwitProcess;

  beforeAll(async () => {
    server = await startGodwit();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('holds a conversation through the running server, with /help, /new and unknown commands', async () => {
    const result = await chat(server.dataDir, [
      '/help',
      'How many vacation days do new employees get?',
      'And how many can they carry over?',
      '/approve',
      '/new',
      '/frobnicate',
      '',
      'What is the password policy?',
      '/exit',
      'never asked',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Chatting with knowledge base "handbook"/);
    expect(result.stderr).toMatch(/\/new +start a new conversation/);
    expect(result.stderr).toMatch(/No tool call waits for approval\./);
    expect(result.stderr).toMatch(/Started a new conversation\./);
    expect(result.stderr).toMatch(/Unknown command \/frobnicate: \/help lists the commands\./);
    expect(result.stdout, result.stdout).toMatch(/\[1\]/);
    // Two conversations on the server: the first with two turns, and the one after /new; nothing after /exit.
    const { conversations } = await (await fetch(`${server.url}/api/conversations?limit=50`)).json();
    const titles = conversations.map((c: { title: string }) => c.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^How many vacation days/),
        expect.stringMatching(/^What is the password policy/),
      ]),
    );
    expect(titles.some((title: string) => title.startsWith('never asked'))).toBe(false);
    const first = conversations.find((c: { title: string }) => c.title.startsWith('How many vacation days'));
    const detail = await (await fetch(`${server.url}/api/conversations/${first.id}`)).json();
    expect(detail.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('refuses a knowledge base that does not exist before reading a line', async () => {
    await expect(chat(server.dataDir, ['Anything?'], { kb: 'no-such-kb' })).rejects.toThrow(/no-such-kb/);
  });

  it('chats on a data dir of its own, loading the sample first, and ends with the input', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-chat-')), 'data');
    const result = await chat(dataDir, ['Who approves travel expenses?']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/handbook/);
  });
});

describe('godwit doctor', () => {
  it('reports the embedded database and the built-in model on a new data dir', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-doctor-')), 'data');
    const captured = captureOutput();
    expect(await doctorCommand({ dataDir, json: true }, captured.output)).toBe(0);
    const report = JSON.parse(captured.stdout());
    expect(report).toMatchObject({ ok: true, dataDir, database: 'pglite' });
    expect(report.checks[0]).toMatchObject({ name: 'config', ok: true });
    expect(report.provider.model).toBe('local:extractive');

    const text = captureOutput();
    expect(await doctorCommand({ dataDir }, text.output)).toBe(0);
    expect(text.stdout()).toMatch(/^ok {3}config: no config file/m);
    expect(text.stdout()).toMatch(/^model: local:extractive/m);
    expect(text.stdout()).toMatch(/^embeddings: none \(keyword search only\)/m);
  });

  it('asks the running server instead of opening its data dir', async () => {
    const server = await startGodwit({ env: { GODWIT_SAMPLE: 'false' } });
    try {
      const captured = captureOutput();
      expect(await doctorCommand({ dataDir: server.dataDir, json: true }, captured.output)).toBe(0);
      const { checks } = JSON.parse(captured.stdout());
      expect(checks[1]).toMatchObject({ name: 'server', ok: true, version: expect.any(String) });
      expect(checks[1].detail).toContain(server.url);
    } finally {
      await server.stop();
    }
  });

  it('fails naming Redis when the configured Redis does not answer, and passes when it does', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'godwit-doctor-redis-')), 'data');
    process.env.GODWIT_REDIS__URL = 'redis://:secret@127.0.0.1:9';
    try {
      const captured = captureOutput();
      expect(await doctorCommand({ dataDir }, captured.output)).toBe(1);
      expect(captured.stdout()).toMatch(/^FAIL redis: cannot reach redis:\/\/:\*+@127\.0\.0\.1:9/m);
      expect(captured.stdout()).not.toContain('secret');
    } finally {
      delete process.env.GODWIT_REDIS__URL;
    }
  });
});

const describeRedis = await describeWithService('redis');

describeRedis('godwit doctor with Redis', () => {
  it('reports the version of a reachable Redis', async () => {
    expect(await redisCheck(redisUrl())).toMatchObject({
      name: 'redis',
      ok: true,
      version: expect.any(String),
    });
  });
});
