/**
 * Writes the answer to a deferred Discord interaction: the first message edits the original response, the
 * rest follow up, each within Discord's 2000 characters; sources as numbered links; a tool call waiting for
 * approval as Approve / Deny buttons. The interaction's webhook needs no bot token.
 */
import type { ToolCallView } from '../../core/agent/tool-call-view.ts';
import {
  answerInChannel,
  type ChannelAnswer,
  type ChannelTarget,
  type ChannelTurnDeps,
} from '../shared/channel-turn.ts';
import { sourceEntries } from '../shared/source-list.ts';
import { splitMessage } from '../shared/split-message.ts';
import { APPROVAL_BUTTON_PREFIX, questionOf } from './discord-interactions.ts';
import { DISCORD_MESSAGE_LIMIT, type DiscordInteraction } from './discord-types.ts';

export interface DiscordAnswerSettings {
  apiBaseUrl: string;
  tenant: string;
  /** The default target, and per server (guild id). */
  target: ChannelTarget;
  servers: Record<string, ChannelTarget>;
  fetch?: typeof fetch;
}

/** Answers one deferred interaction. Throws when Discord refuses a message (the token expired, 15 minutes). */
export async function answerDiscordInteraction(
  deps: ChannelTurnDeps,
  settings: DiscordAnswerSettings,
  interaction: DiscordInteraction,
): Promise<ChannelAnswer> {
  const user = interaction.member?.user ?? interaction.user;
  if (!user) throw new Error('The Discord interaction names no user.');
  const guild = interaction.guild_id ?? 'direct';
  const userId = `discord:${user.id}`;
  const answer = await answerInChannel(deps, {
    tenantId: settings.tenant,
    userId,
    // One conversation per user and channel (a thread is a channel of its own).
    place: ['discord', guild, interaction.channel_id ?? 'direct', userId],
    message: questionOf(interaction) ?? '',
    target: (interaction.guild_id && settings.servers[interaction.guild_id]) || settings.target,
  });
  const messages = discordMessages(answer);
  const send = settings.fetch ?? fetch;
  const webhook = `${settings.apiBaseUrl.replace(/\/+$/, '')}/webhooks/${interaction.application_id}/${interaction.token}`;
  for (const [position, message] of messages.entries()) {
    const response = await send(position === 0 ? `${webhook}/messages/@original` : webhook, {
      method: position === 0 ? 'PATCH' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Discord refused the answer's message ${position + 1} with HTTP ${response.status}.`);
    }
  }
  return answer;
}

interface DiscordMessage {
  content: string;
  allowed_mentions: { parse: never[] };
  components?: unknown[];
}

/** The messages of an answer, in order; the buttons go on the last. */
export function discordMessages(answer: ChannelAnswer): DiscordMessage[] {
  const sections = [answerText(answer)];
  const sources = sourceEntries(answer.citations);
  if (sources.length > 0) {
    sections.push(
      `**Sources**\n${sources
        .map((source) =>
          source.url
            ? `[${source.index}] [${escapeLabel(source.label)}](<${source.url}>)`
            : `[${source.index}] ${source.label}`,
        )
        .join('\n')}`,
    );
  }
  if (answer.approvals.length > 0) sections.push(approvalText(answer.approvals));
  const pieces = splitMessage(sections.filter(Boolean).join('\n\n'), DISCORD_MESSAGE_LIMIT);
  // Nothing a model writes may ping anyone.
  const messages: DiscordMessage[] = pieces.map((content) => ({ content, allowed_mentions: { parse: [] } }));
  const last = messages.at(-1);
  if (last && answer.approvals.length > 0) last.components = approvalButtons(answer.approvals);
  return messages;
}

function answerText(answer: ChannelAnswer): string {
  if (!answer.failure) return answer.text || '(The answer is empty.)';
  const note = `⚠️ ${answer.failure.message}`;
  return answer.text ? `${answer.text}\n\n_${note}_` : note;
}

function approvalText(approvals: readonly ToolCallView[]): string {
  const lines = approvals.map(
    (call) => `• \`${call.toolName}\` with \`${JSON.stringify(call.input).slice(0, 300)}\``,
  );
  return `**Waiting for your approval**\n${lines.join('\n')}`;
}

/** One row of Approve / Deny per call (Discord allows five rows of five buttons). */
function approvalButtons(approvals: readonly ToolCallView[]): unknown[] {
  return approvals
    .filter((call) => call.approval)
    .slice(0, 5)
    .map((call) => ({
      type: 1,
      components: [
        {
          type: 2,
          style: 3,
          label: `Approve ${call.toolName}`.slice(0, 80),
          custom_id: `${APPROVAL_BUTTON_PREFIX}approve:${call.approval?.id}`.slice(0, 100),
        },
        {
          type: 2,
          style: 4,
          label: 'Deny',
          custom_id: `${APPROVAL_BUTTON_PREFIX}deny:${call.approval?.id}`.slice(0, 100),
        },
      ],
    }));
}

function escapeLabel(label: string): string {
  return label.replace(/[[\]]/g, (bracket) => `\\${bracket}`);
}
