/**
 * The channels a configuration turns on, as request handlers (standard `Request` → `Response`, so any
 * router mounts them) and one job runner that both the server (in-process) and the queue worker use.
 */
import type { ChatService } from '../core/chat/chat-service.ts';
import type { ConversationStore } from '../core/ports.ts';
import {
  answerDiscordDecision,
  answerDiscordInteraction,
  type DiscordAnswerSettings,
} from './discord/discord-answer.ts';
import { createDiscordInteractions } from './discord/discord-interactions.ts';
import { discordPublicKey } from './discord/verify-discord-request.ts';
import type { ChannelJob, ChannelJobQueue } from './shared/channel-job.ts';
import type { ChannelTarget, ChannelTurnMeter } from './shared/channel-turn.ts';
import {
  answerSlackCommand,
  answerSlackDecision,
  answerSlackMessage,
  type SlackAnswerSettings,
} from './slack/slack-answer.ts';
import { createSlackEvents } from './slack/slack-events.ts';

export interface ChannelSettings {
  discord:
    | (Omit<DiscordAnswerSettings, 'fetch'> & { publicKey: string; applicationId: string | null })
    | null;
  slack: (Omit<SlackAnswerSettings, 'fetch'> & { signingSecret: string }) | null;
}

export interface ChannelDeps {
  chat: ChatService;
  conversations: ConversationStore;
  /** Charges each turn to the channel user's budgets. Default none. */
  meter?: ChannelTurnMeter;
  /** Reaches the Discord and Slack Web APIs. Default the global fetch. */
  fetch?: typeof fetch;
  shutdownSignal?: AbortSignal;
  /** Receives a job's failure (a refused message, an unexpected fault), for the operator's log. */
  reportError: (error: unknown, context: { job: ChannelJob['kind'] }) => void;
}

export type ChannelHandler = (request: Request) => Promise<Response>;

/**
 * Runs one channel job to its end: asks the question (or decides a clicked tool call), posts the answer.
 * Throws when posting fails.
 */
export function createChannelJobRunner(settings: ChannelSettings, deps: ChannelDeps) {
  return async (job: ChannelJob): Promise<void> => {
    const turnDeps = {
      chat: deps.chat,
      conversations: deps.conversations,
      ...(deps.meter ? { meter: deps.meter } : {}),
      ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
      reportError: (error: unknown) => deps.reportError(error, { job: job.kind }),
    };
    const withFetch = <T extends object>(value: T) => (deps.fetch ? { ...value, fetch: deps.fetch } : value);
    if (job.kind === 'discord-interaction') {
      if (!settings.discord)
        throw new Error('A Discord job arrived but the Discord channel is not configured.');
      await answerDiscordInteraction(turnDeps, withFetch(settings.discord), job.interaction);
      return;
    }
    if (job.kind === 'discord-decision') {
      if (!settings.discord)
        throw new Error('A Discord job arrived but the Discord channel is not configured.');
      await answerDiscordDecision(turnDeps, withFetch(settings.discord), job.interaction);
      return;
    }
    if (!settings.slack) throw new Error('A Slack job arrived but the Slack channel is not configured.');
    const slack = withFetch(settings.slack);
    if (job.kind === 'slack-message') await answerSlackMessage(turnDeps, slack, job.teamId, job.event);
    else if (job.kind === 'slack-command') await answerSlackCommand(turnDeps, slack, job.command);
    else await answerSlackDecision(turnDeps, slack, job.decision);
  };
}

/** The request handlers of the configured channels (null for a channel that is off). */
export function createChannelHandlers(
  settings: ChannelSettings,
  queue: ChannelJobQueue,
  options: { maxBodyBytes: number; nowSeconds?: () => number },
): { discord: ChannelHandler | null; slack: ChannelHandler | null } {
  const clock = options.nowSeconds ? { nowSeconds: options.nowSeconds } : {};
  return {
    discord: settings.discord
      ? createDiscordInteractions({
          publicKey: discordPublicKey(settings.discord.publicKey),
          applicationId: settings.discord.applicationId,
          queue,
          maxBodyBytes: options.maxBodyBytes,
          ...clock,
        })
      : null,
    slack: settings.slack
      ? createSlackEvents({
          signingSecret: settings.slack.signingSecret,
          queue,
          maxBodyBytes: options.maxBodyBytes,
          ...clock,
        })
      : null,
  };
}

export type { ChannelTarget, ChannelTurnMeter };
