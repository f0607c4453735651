/**
 * Posts answers to Slack: a mention or direct message is answered in its thread (the thread is the
 * conversation) through `chat.postMessage`; a slash command through its `response_url`. The text is mrkdwn,
 * the sources a numbered list of links, a tool call waiting for approval a pair of buttons, and a click on one
 * continues the answer.
 */
import type { ToolCallView } from '../../core/agent/tool-call-view.ts';
import { approvalReference, parseApprovalReference } from '../shared/approval-reference.ts';
import { type ChannelDecisionResult, decideInChannel } from '../shared/channel-decision.ts';
import {
  answerInChannel,
  type ChannelAnswer,
  type ChannelTarget,
  type ChannelTurnDeps,
} from '../shared/channel-turn.ts';
import { sourceEntries } from '../shared/source-list.ts';
import { splitMessage } from '../shared/split-message.ts';
import { SLACK_APPROVE_ACTION, SLACK_DENY_ACTION } from './slack-events.ts';
import { escapeText, slackLink, toSlackMrkdwn } from './slack-mrkdwn.ts';
import {
  SLACK_SECTION_LIMIT,
  type SlackDecision,
  type SlackMessageEvent,
  type SlackSlashCommand,
} from './slack-types.ts';

export interface SlackAnswerSettings {
  botToken: string;
  apiBaseUrl: string;
  tenant: string;
  target: ChannelTarget;
  /** Per channel id. */
  channels: Record<string, ChannelTarget>;
  fetch?: typeof fetch;
}

interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** Answers a mention or direct message in its thread. Throws when Slack refuses a message. */
export async function answerSlackMessage(
  deps: ChannelTurnDeps,
  settings: SlackAnswerSettings,
  teamId: string,
  event: SlackMessageEvent,
): Promise<ChannelAnswer> {
  const threadTs = event.thread_ts ?? event.ts;
  const answer = await answerInChannel(deps, {
    tenantId: settings.tenant,
    userId: `slack:${teamId}:${event.user}`,
    place: ['slack', teamId, event.channel, threadTs],
    // Slack writes the mention as <@U0APP>: it is not part of the question.
    message: (event.text ?? '').replace(/<@[A-Z0-9]+>/g, '').trim(),
    target: settings.channels[event.channel] ?? settings.target,
  });
  for (const message of slackMessages(answer)) {
    await callSlack(settings, 'chat.postMessage', {
      channel: event.channel,
      thread_ts: threadTs,
      unfurl_links: false,
      unfurl_media: false,
      ...message,
    });
  }
  return answer;
}

/** Answers a slash command in the channel it was typed in, through its response URL. */
export async function answerSlackCommand(
  deps: ChannelTurnDeps,
  settings: SlackAnswerSettings,
  command: SlackSlashCommand,
): Promise<ChannelAnswer> {
  const userId = `slack:${command.team_id}:${command.user_id}`;
  const answer = await answerInChannel(deps, {
    tenantId: settings.tenant,
    userId,
    // Commands have no thread: one conversation per user and channel.
    place: ['slack', command.team_id, command.channel_id, 'command', userId],
    message: command.text,
    target: settings.channels[command.channel_id] ?? settings.target,
  });
  const quoted = `> ${escapeText(command.text).slice(0, 500)}`;
  for (const [position, message] of slackMessages(answer).entries()) {
    const text = position === 0 ? `${quoted}\n${message.text}` : message.text;
    await postToResponseUrl(settings, command.response_url, {
      response_type: 'in_channel',
      ...message,
      text,
      blocks: position === 0 ? [section(quoted), ...message.blocks] : message.blocks,
    });
  }
  return answer;
}

/**
 * Decides the tool call of a clicked Approve / Deny button: the continued answer replaces the message the
 * buttons were on (the rest follows in the channel). A refusal, or a decision recorded while other calls
 * still wait, is answered only to the person who clicked.
 */
export async function answerSlackDecision(
  deps: ChannelTurnDeps,
  settings: SlackAnswerSettings,
  click: SlackDecision,
): Promise<ChannelDecisionResult> {
  const reference = parseApprovalReference(click.reference);
  const result: ChannelDecisionResult = reference
    ? await decideInChannel(deps, {
        tenantId: settings.tenant,
        userId: `slack:${click.teamId}:${click.userId}`,
        ...reference,
        approved: click.approved,
      })
    : { kind: 'refused', message: 'This button no longer works: ask the question again to get new buttons.' };
  if (result.kind !== 'answered') {
    const text =
      result.kind === 'refused'
        ? `:warning: ${escapeText(result.message)}`
        : `Noted for \`${result.toolName}\`. The answer continues once every call is decided; still waiting: ${result.waiting.map((call) => `\`${call.toolName}\``).join(', ')}.`;
    await postToResponseUrl(settings, click.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text,
    });
    return result;
  }
  // A response URL takes five messages: a longer answer is cut at the fifth.
  for (const [position, message] of slackMessages(result.answer).slice(0, 5).entries()) {
    await postToResponseUrl(settings, click.responseUrl, {
      ...(position === 0
        ? { replace_original: true }
        : { response_type: 'in_channel', replace_original: false }),
      ...message,
    });
  }
  return result;
}

/** The messages of an answer: sections of at most 3000 characters; the buttons on the last. */
export function slackMessages(answer: ChannelAnswer): SlackMessage[] {
  const sections = [answerText(answer)];
  const sources = sourceEntries(answer.citations);
  if (sources.length > 0) {
    const lines = sources.map(
      (source) =>
        `[${source.index}] ${source.url ? slackLink(source.url, source.label) : escapeText(source.label)}`,
    );
    sections.push(`*Sources*\n${lines.join('\n')}`);
  }
  if (answer.approvals.length > 0) sections.push(approvalText(answer.approvals));
  const pieces = splitMessage(sections.join('\n\n'), SLACK_SECTION_LIMIT);
  return pieces.map((piece, position) => ({
    text: piece,
    blocks: [
      section(piece),
      ...(position === pieces.length - 1 && answer.approvals.length > 0
        ? approvalButtons(answer.conversationId, answer.approvals)
        : []),
    ],
  }));
}

function section(text: string): unknown {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function answerText(answer: ChannelAnswer): string {
  const text = toSlackMrkdwn(answer.text);
  if (!answer.failure) return text || '(The answer is empty.)';
  const note = `:warning: ${escapeText(answer.failure.message)}`;
  return text ? `${text}\n\n_${note}_` : note;
}

function approvalText(approvals: readonly ToolCallView[]): string {
  const lines = approvals.map(
    (call) => `• \`${call.toolName}\` with \`${escapeText(JSON.stringify(call.input).slice(0, 300))}\``,
  );
  return `*Waiting for your approval*\n${lines.join('\n')}`;
}

function approvalButtons(conversationId: string, approvals: readonly ToolCallView[]): unknown[] {
  return approvals
    .filter((call) => call.approval)
    .slice(0, 10)
    .map((call) => ({
      type: 'actions',
      elements: [
        {
          type: 'button',
          style: 'primary',
          action_id: SLACK_APPROVE_ACTION,
          value: approvalReference(conversationId, call.approval?.id ?? ''),
          text: { type: 'plain_text', text: `Approve ${call.toolName}`.slice(0, 75) },
        },
        {
          type: 'button',
          style: 'danger',
          action_id: SLACK_DENY_ACTION,
          value: approvalReference(conversationId, call.approval?.id ?? ''),
          text: { type: 'plain_text', text: 'Deny' },
        },
      ],
    }));
}

async function callSlack(settings: SlackAnswerSettings, method: string, body: unknown): Promise<void> {
  const response = await (settings.fetch ?? fetch)(`${settings.apiBaseUrl.replace(/\/+$/, '')}/${method}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${settings.botToken}`,
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify(body),
  });
  const result = (await response.json().catch(() => null)) as { ok?: boolean; error?: string } | null;
  if (!response.ok || !result?.ok) {
    throw new Error(`Slack refused ${method}: ${result?.error ?? `HTTP ${response.status}`}.`);
  }
}

/** Response URLs are Slack's own (or, in tests, the fake API's): never an address a payload made up. */
function isSlackResponseUrl(settings: SlackAnswerSettings, url: string): boolean {
  try {
    const { origin } = new URL(url);
    return origin === 'https://hooks.slack.com' || origin === new URL(settings.apiBaseUrl).origin;
  } catch {
    return false;
  }
}

async function postToResponseUrl(settings: SlackAnswerSettings, url: string, body: unknown): Promise<void> {
  if (!isSlackResponseUrl(settings, url)) throw new Error('The response URL is not a Slack address.');
  const response = await (settings.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`Slack refused the response URL's message with HTTP ${response.status}.`);
}
