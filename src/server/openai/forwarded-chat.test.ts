import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../../test/support/emulators/index.ts';
import type { UsageEntry } from '../../core/types.ts';
import { createChatCompletionsForwarder } from '../../providers/forwarding/index.ts';
import { createOpenAIProvider } from '../../providers/openai/index.ts';
import type { ChatCall } from './chat-call.ts';
import { newCompletionIdentity } from './completion-format.ts';
import { completeForwarded } from './forwarded-chat.ts';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.close();
});

const MODEL = 'openai:gpt-4.1-mini';

/** A call whose ledger write stays pending until `release()`. */
function gatedCall(awaitUsageWrites: boolean) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const recorded: UsageEntry[] = [];
  let recordStarted = false;
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const call: ChatCall = {
    tenantId: 'default',
    recordUsage: async (entry) => {
      recordStarted = true;
      await gate;
      recorded.push(entry);
    },
    pricing: undefined,
    generateId: () => 'usage-1',
    onLedgerFailure: () => {},
    awaitUsageWrites,
    identity: newCompletionIdentity(MODEL),
    request: { model: MODEL, messages } as ChatCall['request'],
    userId: 'local',
    abort: new AbortController(),
    onStreamError: () => {},
  };
  return { call, release, recorded, started: () => recordStarted, body: { model: MODEL, messages } };
}

function forwarder() {
  const openai = createOpenAIProvider({
    env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai },
  });
  return createChatCompletionsForwarder({
    endpoint: (name) => openai.chatCompletionsEndpoint?.(name.slice('openai:'.length)),
    retry: false,
  });
}

const turns = async (count: number) => {
  for (let index = 0; index < count; index++) await new Promise((resolve) => setImmediate(resolve));
};

describe('completeForwarded and the usage row', () => {
  it('answers before its usage row is written by default', async () => {
    emulator.script({ text: 'Hello.' });
    const { call, release, recorded, body } = gatedCall(false);
    const completion = await completeForwarded(call, { forwarder: forwarder(), body });
    expect(completion.model).toBe(MODEL);
    expect(recorded).toEqual([]);
    release();
    await turns(3);
    expect(recorded).toHaveLength(1);
  });

  it('waits for the usage row when the runtime asks (Lambda)', async () => {
    emulator.script({ text: 'Hello.' });
    const { call, release, recorded, started, body } = gatedCall(true);
    let answered = false;
    const pending = completeForwarded(call, { forwarder: forwarder(), body }).then((completion) => {
      answered = true;
      return completion;
    });
    await expect.poll(started).toBe(true);
    await turns(5);
    expect(answered).toBe(false);
    release();
    await pending;
    expect(recorded).toHaveLength(1);
  });
});
