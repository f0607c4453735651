/**
 * `godwit ask --assistant`: the CLI answers as a configured assistant, here one backed by a Bedrock Agent
 * (the AWS SDK's Agent Runtime client against the InvokeAgent wire emulator).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../support/capture-output.ts';
import {
  type AgentRuntimeEmulator,
  agentEvents,
  startAgentRuntimeEmulator,
} from '../support/emulators/index.ts';

let managed: AgentRuntimeEmulator;
const saved = { ...process.env };
let configPath: string;

beforeAll(async () => {
  managed = await startAgentRuntimeEmulator();
  managed.agent('AGENT12345', ['ALIAS12345']);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret-example',
    AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME: managed.url,
  });
  const directory = mkdtempSync(join(tmpdir(), 'godwit-cli-agent-'));
  configPath = join(directory, 'godwit.config.yaml');
  writeFileSync(
    configPath,
    `dataDir: ${join(directory, 'data')}
sample: false
assistants:
  support:
    bedrockAgent: { agentId: AGENT12345, aliasId: ALIAS12345 }
`,
  );
});

afterAll(async () => {
  process.env = saved;
  await managed.close();
});

describe('godwit ask --assistant', () => {
  it('answers as the Bedrock Agent with the passages it cites', async () => {
    const leave = { uri: 's3://handbook/leave.md', text: 'New employees get 20 vacation days.' };
    managed.scriptAgent({
      events: [agentEvents.chunk('You get 20 days.', [{ text: 'You get 20 days.', references: [leave] }])],
    });
    const captured = captureOutput();
    const code = await main(
      ['--config', configPath, 'ask', 'How many vacation days?', '--assistant', 'support', '--json'],
      captured.output,
    );
    expect(captured.stderr()).not.toMatch(/error/i);
    expect(code).toBe(0);
    const body = JSON.parse(captured.stdout()) as {
      answer: string;
      citations: Array<{ source: string }>;
      model: string;
    };
    expect(body.answer).toBe('You get 20 days. [1]');
    expect(body.citations).toEqual([expect.objectContaining({ source: 's3://handbook/leave.md' })]);
    expect(body.model).toBe('bedrock-agent:AGENT12345/ALIAS12345');
    expect(managed.requests.at(-1)?.body).toMatchObject({ inputText: 'How many vacation days?' });
  });
});
