/**
 * A Godwit with both channels on, built by the real config loader and composition root: PGlite storage, the
 * OpenAI wire emulator as the model, and the fake Discord/Slack Web API as the platforms. Requests are
 * signed for real: a generated Ed25519 key pair for Discord, an HMAC signing secret for Slack.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slackSignature } from '../../src/channels/index.ts';
import {
  type ConfiguredChannels,
  channelTurnMeter,
  createConfiguredChannels,
} from '../../src/config/create-channels.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitConfig } from '../../src/config/schema.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { type ChannelApiFake, startChannelApiFake } from '../support/channel-api-fake.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

export const TENANT = 'acme';
export const APPLICATION_ID = '4242';
export const APPROVAL_GUILD = '900';
export const APPROVAL_CHANNEL = 'C900';
export const SLACK_SECRET = 'slack-signing-secret-for-tests';
export const SLACK_BOT_TOKEN = 'xoxb-test-token';
export const SOURCE_URL = 'https://intranet.example.com/leave-policy';

export interface ChannelHarness {
  app: ReturnType<typeof createApp>;
  services: GodwitServices;
  channels: ConfiguredChannels;
  config: GodwitConfig;
  emulator: Emulator;
  platform: ChannelApiFake;
  discordKey: { publicHex: string; privateKey: KeyObject };
  env: Record<string, string>;
  /** Faults of channel jobs (a platform refusing a message), in order. */
  jobErrors: unknown[];
  close(): Promise<void>;
}

export function generateDiscordKey(): { publicHex: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw 32 key bytes follow the 12-byte SubjectPublicKeyInfo header.
  const publicHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  return { publicHex, privateKey };
}

export interface ChannelHarnessOptions {
  /** The tenant channel users belong to. Default `TENANT`. */
  tenant?: string;
  /** More top-level config (YAML), such as `budgets` or `database`. */
  extraConfig?: string;
}

export async function startChannelHarness(options: ChannelHarnessOptions = {}): Promise<ChannelHarness> {
  const tenant = options.tenant ?? TENANT;
  const emulator = await startEmulator();
  const platform = await startChannelApiFake();
  const discordKey = generateDiscordKey();
  const directory = mkdtempSync(join(tmpdir(), 'godwit-channels-'));
  const configPath = join(directory, 'godwit.config.yaml');
  writeFileSync(
    configPath,
    `dataDir: ${join(directory, 'data')}
sample: false
models:
  default: openai:gpt-4.1-mini
assistants:
  approver:
    tools: [calculator]
    approval: { mode: always }
channels:
  discord:
    applicationId: "${APPLICATION_ID}"
    apiBaseUrl: ${platform.url}
    tenant: ${tenant}
    knowledgeBase: handbook
    servers:
      "${APPROVAL_GUILD}": { assistant: approver }
  slack:
    botToken: ${SLACK_BOT_TOKEN}
    apiBaseUrl: ${platform.url}
    tenant: ${tenant}
    knowledgeBase: handbook
    channels:
      ${APPROVAL_CHANNEL}: { assistant: approver }
${options.extraConfig ?? ''}`,
  );
  // The secrets come from the environment, as GODWIT_SECRET_ARNS fills them on Lambda.
  const env = {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: emulator.baseURLs.openai,
    GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: discordKey.publicHex,
    GODWIT_CHANNELS__SLACK__SIGNING_SECRET: SLACK_SECRET,
  };
  const { config } = loadConfig({ configPath, env, cwd: directory });
  const services = await createGodwit(config, { env });
  const handbook = await services.knowledge.ensureKnowledgeBase(tenant, 'handbook');
  await services.knowledge.ingest(tenant, handbook, {
    source: SOURCE_URL,
    bytes: new TextEncoder().encode('# Leave\n\nNew employees get 20 vacation days a year.\n'),
    mimeType: 'text/markdown',
  });
  const jobErrors: unknown[] = [];
  const channels = createConfiguredChannels(config, {
    chat: services.chat,
    conversations: services.conversations,
    meter: channelTurnMeter(services),
    reportError: (error) => jobErrors.push(error),
  });
  const app = createApp({ services, channels, options: { logger: () => {} } });
  return {
    app,
    services,
    channels,
    config,
    emulator,
    platform,
    discordKey,
    env,
    jobErrors,
    close: async () => {
      await channels.idle();
      await services.close();
      await emulator.close();
      await platform.close();
    },
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A Discord request signed with `privateKey` at `timestamp` (default now). */
export function discordRequest(
  body: string,
  privateKey: KeyObject,
  timestamp = String(nowSeconds()),
): RequestInit & { headers: Record<string, string> } {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'),
      'x-signature-timestamp': timestamp,
    },
    body,
  };
}

/** A Slack request signed with the signing secret at `timestamp` (default now). */
export function slackRequest(
  body: string,
  options: {
    contentType?: string;
    timestamp?: string;
    headers?: Record<string, string>;
    secret?: string;
  } = {},
): RequestInit {
  const timestamp = options.timestamp ?? String(nowSeconds());
  return {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? SLACK_SECRET, timestamp, body),
      ...options.headers,
    },
    body,
  };
}

let interactionCounter = 0;

/** An `/ask` interaction from `userId` in `channelId` of `guildId`. */
export function askInteraction(
  question: string,
  options: { user?: string; channel?: string; guild?: string } = {},
) {
  interactionCounter += 1;
  return {
    id: `interaction-${interactionCounter}`,
    application_id: APPLICATION_ID,
    type: 2,
    token: `token-${interactionCounter}`,
    guild_id: options.guild ?? '100',
    channel_id: options.channel ?? '200',
    member: { user: { id: options.user ?? '111', username: 'ana' } },
    data: { name: 'ask', type: 1, options: [{ name: 'question', type: 3, value: question }] },
  };
}
