/**
 * kill -9 during a streamed answer: a real `godwit serve` (embedded PGlite) answers through the OpenAI
 * emulator, is killed with SIGKILL after the first words reach the client, and is started again on the same
 * data directory. The turn must read `interrupted` with the words that were said, never `pending`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUntil } from '../server/http-helpers.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';

let emulator: Emulator;
let root: string;
const servers: GodwitProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  root = mkdtempSync(join(tmpdir(), 'godwit-killed-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await emulator?.close();
  rmSync(root, { recursive: true, force: true });
});

function serve(): Promise<GodwitProcess> {
  return startGodwit({
    dataDir: join(root, 'data'),
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: emulator.baseURLs.openai },
  }).then((server) => {
    servers.push(server);
    return server;
  });
}

describe('a server killed mid-answer', () => {
  it('keeps the words said so far and marks the turn interrupted on restart', async () => {
    // The second piece waits far longer than the test: the process dies while it waits.
    emulator.script({ chunks: ['Employees get ', 'twenty-five days.'], chunkDelayMs: 600_000 });
    const first = await serve();
    const response = await fetch(`${first.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: 'How many vacation days?',
        model: 'openai:gpt-4.1-mini',
        stream: true,
      }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const events = await readUntil(reader, 'delta');
    const started = events.find((event) => event.event === 'start')!.data as {
      conversationId: string;
      messageId: string;
    };
    expect(events.at(-1)?.data).toEqual({ text: 'Employees get ' });

    await first.kill();
    await reader.cancel().catch(() => {});

    const second = await serve();
    const conversation = (await (
      await fetch(`${second.url}/api/conversations/${started.conversationId}`)
    ).json()) as {
      messages: Array<{ id: string; role: string; status: string; content: string; error: string }>;
    };
    expect(conversation.messages.map(({ role, status }) => ({ role, status }))).toEqual([
      { role: 'user', status: 'complete' },
      { role: 'assistant', status: 'interrupted' },
    ]);
    const answer = conversation.messages[1]!;
    expect(answer.id).toBe(started.messageId);
    expect(answer.content).toBe('Employees get ');
    expect(answer.error).toMatch(/server stopped before the answer finished/);
  }, 240_000);
});
