/**
 * Writes the answer to a deferred Discord interaction: the first message edits the original response, the
 * rest follow up, each within Discord's 2000 characters; sources as numbered links; a tool call waiting for
 * approval as Approve / Deny buttons, and a click on one continues the answer. The interaction's webhook needs
 * no bot token.
 */
import type { ToolCallView } from '../../core/agent/tool-call-view.ts';
import { approvalReference } from '../shared/approval-reference.ts';
import { type ChannelDecisionResult, decideInChannel } from '../shared/channel-decision.ts';
import {
  answerInChannel,
  type ChannelAnswer,
  type ChannelTarget,
  type ChannelTurnDeps,
} from '../shared/channel-turn.ts';
import { sourceEntries } from '../shared/source-list.ts';
import { splitMessage } from '../shared/split-message.ts';
import { APPROVAL_BUTTON_PREFIX, approvalButtonOf, questionOf } from './discord-interactions.ts';
import { DISCORD_MESSAGE_LIMIT, type DiscordInteraction, EPHEMERAL } from './discord-types.ts';

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
  await sendMessages(settings, interaction, discordMessages(answer));
  return answer;
}

/**
 * Decides the tool call of a clicked Approve / Deny button (acknowledged with a deferred update): the
 * continued answer replaces the message the buttons were on, the rest follows up. A refusal, or a decision
 * recorded while other calls still wait, is answered only to the person who clicked.
 */
export async function answerDiscordDecision(
  deps: ChannelTurnDeps,
  settings: DiscordAnswerSettings,
  interaction: DiscordInteraction,
): Promise<ChannelDecisionResult> {
  const user = interaction.member?.user ?? interaction.user;
  const button = approvalButtonOf(interaction.data?.custom_id ?? '');
  const result: ChannelDecisionResult =
    user && button
      ? await decideInChannel(deps, {
          tenantId: settings.tenant,
          userId: `discord:${user.id}`,
          conversationId: button.conversationId,
          approvalId: button.approvalId,
          approved: button.approved,
        })
      : { kind: 'refused', message: 'This button names no user or no tool call.' };
  if (result.kind === 'answered') {
    const messages = discordMessages(result.answer);
    // The buttons go: the call is decided (new ones come only if another call waits).
    if (messages[0] && !messages[0].components) messages[0].components = [];
    await sendMessages(settings, interaction, messages);
  } else {
    const content = result.kind === 'refused' ? `⚠️ ${result.message}` : recordedText(result);
    await sendMessages(
      settings,
      interaction,
      [{ content, allowed_mentions: { parse: [] }, flags: EPHEMERAL }],
      { followUpOnly: true },
    );
  }
  return result;
}

function recordedText(result: Extract<ChannelDecisionResult, { kind: 'recorded' }>): string {
  const waiting = result.waiting.map((call) => `\`${call.toolName}\``).join(', ');
  return `Noted for \`${result.toolName}\`. The answer continues once every call is decided; still waiting: ${waiting}.`;
}

/** Edits the interaction's original response with the first message and follows up with the rest. */
async function sendMessages(
  settings: DiscordAnswerSettings,
  interaction: DiscordInteraction,
  messages: readonly DiscordMessage[],
  options: { followUpOnly?: boolean } = {},
): Promise<void> {
  const send = settings.fetch ?? fetch;
  const webhook = `${settings.apiBaseUrl.replace(/\/+$/, '')}/webhooks/${interaction.application_id}/${interaction.token}`;
  for (const [position, message] of messages.entries()) {
    const edit = position === 0 && !options.followUpOnly;
    const response = await send(edit ? `${webhook}/messages/@original` : webhook, {
      method: edit ? 'PATCH' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Discord refused the answer's message ${position + 1} with HTTP ${response.status}.`);
    }
  }
}

interface DiscordMessage {
  content: string;
  allowed_mentions: { parse: never[] };
  components?: unknown[];
  flags?: number;
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
  if (last && answer.approvals.length > 0)
    last.components = approvalButtons(answer.conversationId, answer.approvals);
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
function approvalButtons(conversationId: string, approvals: readonly ToolCallView[]): unknown[] {
  return (
    approvals
      // Discord refuses a custom_id past 100 characters; such a call is decided through the API.
      .filter((call) => call.approval && call.approval.id.length + conversationId.length <= 80)
      .slice(0, 5)
      .map((call) => ({
        type: 1,
        components: [
          {
            type: 2,
            style: 3,
            label: `Approve ${call.toolName}`.slice(0, 80),
            custom_id: `${APPROVAL_BUTTON_PREFIX}approve:${approvalReference(conversationId, call.approval?.id ?? '')}`,
          },
          {
            type: 2,
            style: 4,
            label: 'Deny',
            custom_id: `${APPROVAL_BUTTON_PREFIX}deny:${approvalReference(conversationId, call.approval?.id ?? '')}`,
          },
        ],
      }))
  );
}

function escapeLabel(label: string): string {
  return label.replace(/[[\]]/g, (bracket) => `\\${bracket}`);
}
