/**
 * `godwit serve` as users run it, with the Discord channel and CORS turned on by GODWIT_* variables: a signed
 * PING, a question answered in the background to the fake Discord API, a preflight, and a bad channel setting
 * that stops the start with exit code 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { askInteraction, discordRequest, generateDiscordKey } from '../channels/channel-harness.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type ChannelApiFake, startChannelApiFake } from '../support/channel-api-fake.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';

const FRONT_END = 'https://app.example.com';
const root = mkdtempSync(join(tmpdir(), 'godwit-serve-channels-'));
const key = generateDiscordKey();
let platform: ChannelApiFake;
let server: GodwitProcess;
let url = '';

beforeAll(async () => {
  platform = await startChannelApiFake();
  server = await startGodwit({
    env: {
      GODWIT_SAMPLE: 'false',
      GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: key.publicHex,
      GODWIT_CHANNELS__DISCORD__API_BASE_URL: platform.url,
      GODWIT_SERVER__CORS__ALLOWED_ORIGINS: FRONT_END,
    },
  });
  url = server.url;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await platform?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('godwit serve with the Discord channel', () => {
  it('answers a signed PING and refuses an unsigned one', async () => {
    const ping = JSON.stringify({ id: 'p', application_id: '1', type: 1, token: 't' });
    const signed = await fetch(`${url}/channels/discord/interactions`, discordRequest(ping, key.privateKey));
    expect(await signed.json()).toEqual({ type: 1 });
    const unsigned = await fetch(`${url}/channels/discord/interactions`, { method: 'POST', body: ping });
    expect(unsigned.status).toBe(401);
  });

  it('defers a question and writes the offline answer to Discord from the same process', async () => {
    const interaction = askInteraction('What is Godwit?');
    const response = await fetch(
      `${url}/channels/discord/interactions`,
      discordRequest(JSON.stringify(interaction), key.privateKey),
    );
    expect(await response.json()).toEqual({ type: 5 });
    const [edit] = await platform.waitForCalls(1);
    expect(edit?.path).toBe(
      `/webhooks/${interaction.application_id}/${interaction.token}/messages/@original`,
    );
    expect(edit?.body.content.length).toBeGreaterThan(0);
  });

  it('answers a preflight from the allowed origin', async () => {
    const response = await fetch(`${url}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: FRONT_END, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONT_END);
  });

  it('stops the start with exit code 2 when a channel names an assistant that does not exist', async () => {
    const configPath = join(root, 'bad.config.yaml');
    writeFileSync(
      configPath,
      `channels:\n  discord:\n    publicKey: ${key.publicHex}\n    assistant: ghost\n`,
    );
    const captured = captureOutput();
    const code = await main(
      ['--config', configPath, '--data-dir', join(root, 'other-data'), 'serve', '--port', '0', '--no-sample'],
      captured.output,
    );
    expect(code).toBe(2);
    expect(captured.stderr()).toContain('channels.discord.assistant: there is no assistant named "ghost"');
  });
});
