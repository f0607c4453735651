/**
 * The chat channels a configuration turns on (`channels.*`), checked against the configured assistants, with
 * the queue their jobs go through: SQS when `channels.queueUrl` is set (AWS Lambda), else this process.
 */
import {
  type ChannelDeps,
  type ChannelHandler,
  type ChannelJob,
  type ChannelSettings,
  type ChannelTarget,
  type ChannelTurnMeter,
  createChannelHandlers,
  createChannelJobRunner,
  InProcessJobQueue,
  SqsJobQueue,
} from '../channels/index.ts';
import { ConfigError } from '../core/errors.ts';
import type { GodwitServices } from '../core/services.ts';
import type { GodwitConfig } from './schema.ts';

/** The channel settings of `config`; throws a ConfigError naming the key when a target names no assistant. */
export function channelSettings(config: GodwitConfig): ChannelSettings {
  const { discord, slack } = config.channels;
  const checked = (key: string, target: ChannelTarget): ChannelTarget => {
    if (target.assistant && !config.assistants[target.assistant]) {
      const known = Object.keys(config.assistants);
      throw new ConfigError(
        `${key}.assistant: there is no assistant named "${target.assistant}". ${
          known.length > 0 ? `Configured assistants: ${known.join(', ')}.` : 'No assistant is configured.'
        } Add it under "assistants" or fix the name.`,
      );
    }
    return { assistant: target.assistant, knowledgeBase: target.knowledgeBase };
  };
  const perKey = (prefix: string, targets: Record<string, ChannelTarget>) =>
    Object.fromEntries(
      Object.entries(targets).map(([id, target]) => [id, checked(`${prefix}.${id}`, target)]),
    );
  return {
    discord: discord.publicKey
      ? {
          publicKey: discord.publicKey,
          applicationId: discord.applicationId,
          apiBaseUrl: discord.apiBaseUrl,
          tenant: discord.tenant,
          target: checked('channels.discord', discord),
          servers: perKey('channels.discord.servers', discord.servers),
        }
      : null,
    slack:
      slack.signingSecret && slack.botToken
        ? {
            signingSecret: slack.signingSecret,
            botToken: slack.botToken,
            apiBaseUrl: slack.apiBaseUrl,
            tenant: slack.tenant,
            target: checked('channels.slack', slack),
            channels: perKey('channels.slack.channels', slack.channels),
          }
        : null,
  };
}

export interface ConfiguredChannels {
  discord: ChannelHandler | null;
  slack: ChannelHandler | null;
  /** Runs one job here (the queue worker calls this for messages from `channels.queueUrl`). */
  runJob: (job: ChannelJob) => Promise<void>;
  /** Resolves once the jobs running in this process have ended (none when jobs go to SQS). */
  idle: () => Promise<void>;
}

/**
 * The channel endpoints of a function whose work goes to the queue (`channels.queueUrl`): they need no
 * services, so a Lambda acknowledges Discord and Slack without waiting for its stores and models to start.
 */
export function createQueuedChannelHandlers(config: GodwitConfig): {
  discord: ChannelHandler | null;
  slack: ChannelHandler | null;
} {
  const settings = channelSettings(config);
  const { queueUrl } = config.channels;
  if (!queueUrl) return { discord: null, slack: null };
  return createChannelHandlers(settings, new SqsJobQueue({ queueUrl }), {
    maxBodyBytes: config.server.maxBodyBytes,
  });
}

/**
 * Channels for the server and the worker.
 *
 * @example
 * const channels = createConfiguredChannels(config, { chat, conversations, reportError });
 * createApp({ services, channels });
 */
export function createConfiguredChannels(
  config: GodwitConfig,
  deps: ChannelDeps & { nowSeconds?: () => number },
): ConfiguredChannels {
  const settings = channelSettings(config);
  const runJob = createChannelJobRunner(settings, deps);
  const local = new InProcessJobQueue(runJob, (error, job) => deps.reportError(error, { job: job.kind }));
  const queue = config.channels.queueUrl ? new SqsJobQueue({ queueUrl: config.channels.queueUrl }) : local;
  const handlers = createChannelHandlers(settings, queue, {
    maxBodyBytes: config.server.maxBodyBytes,
    ...(deps.nowSeconds ? { nowSeconds: deps.nowSeconds } : {}),
  });
  return { ...handlers, runJob, idle: () => local.idle() };
}

/** Context a channel turn adds to the question (retrieved passages, instructions), in tokens. */
const CHANNEL_CONTEXT_TOKENS = 4096;

/**
 * Rate limits and budgets for channel users, as for a request to /api/chat: each turn counts against the
 * per-minute limits of its user (`limits.caller`, `limits.roles.user`) and tenant, and its tokens against
 * their token limits; it holds the estimated cost of the question (about 3 bytes a token, plus passages,
 * plus `budgets.estimateOutputTokens` at the default model's price) against the user's and tenant's budgets
 * (`budgets.user`, `budgets.users`, `budgets.tenant`) and settles to what its model calls cost. A refusal
 * throws `rate_limited` before anything is stored, and counts in the refusal metric.
 *
 * @example createConfiguredChannels(config, { chat, conversations, meter: channelTurnMeter(services), reportError })
 */
export function channelTurnMeter(
  services: Pick<GodwitServices, 'governance' | 'pricing' | 'provider'>,
): ChannelTurnMeter {
  const { governance, pricing, provider } = services;
  return async (owner, message, work) => {
    const rateScopes = await governance.admit({ ...owner, apiKeyId: null, role: 'user' });
    if (!governance.hasBudgets)
      return governance.runMetered({ ...owner, apiKeyId: null }, 0, work, rateScopes);
    const inputTokens = Math.ceil(Buffer.byteLength(message) / 3) + CHANNEL_CONTEXT_TOKENS;
    const outputTokens = governance.budgets.estimateOutputTokens;
    const estimate =
      pricing(provider.model, { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }) ?? 0;
    return governance.runMetered({ ...owner, apiKeyId: null }, estimate, work, rateScopes);
  };
}
