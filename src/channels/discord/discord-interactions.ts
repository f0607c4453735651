/**
 * `POST /channels/discord/interactions`: checks Discord's signature, answers PING with PONG, and defers every
 * question (`/ask`, the message command) and every Approve / Deny click at once, well inside Discord's 3-second
 * limit; the answer is written later by editing that deferred response (discord-answer.ts).
 */
import type { KeyObject } from 'node:crypto';
import { type ApprovalReference, parseApprovalReference } from '../shared/approval-reference.ts';
import type { ChannelJobQueue } from '../shared/channel-job.ts';
import { errorResponse, parseJson, readRawBody } from '../shared/raw-request.ts';
import { RecentIds } from '../shared/recent-ids.ts';
import {
  COMMAND_TYPE,
  type DiscordInteraction,
  EPHEMERAL,
  INTERACTION_TYPE,
  RESPONSE_TYPE,
} from './discord-types.ts';
import { discordSignatureProblem } from './verify-discord-request.ts';

export interface DiscordInteractionsOptions {
  publicKey: KeyObject;
  /** When set, interactions of another application are refused. */
  applicationId: string | null;
  queue: ChannelJobQueue;
  maxBodyBytes: number;
  /** Unix seconds now. Default the clock. */
  nowSeconds?: () => number;
}

/** The slash command's name and its option. */
export const ASK_COMMAND = 'ask';
export const ASK_OPTION = 'question';
/**
 * Buttons of a tool call waiting for approval: `godwit:approve:<conversation id>:<approval id>`, and
 * `godwit:deny:…` the same.
 */
export const APPROVAL_BUTTON_PREFIX = 'godwit:';

export function createDiscordInteractions(options: DiscordInteractionsOptions) {
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const seen = new RecentIds();
  return async (request: Request): Promise<Response> => {
    const body = await readRawBody(request, options.maxBodyBytes);
    if (body === null)
      return errorResponse(413, 'payload_too_large', 'The interaction is larger than allowed.');
    const problem = discordSignatureProblem(
      options.publicKey,
      {
        signature: request.headers.get('x-signature-ed25519') ?? undefined,
        timestamp: request.headers.get('x-signature-timestamp') ?? undefined,
      },
      body,
      nowSeconds(),
    );
    if (problem) return errorResponse(401, 'unauthorized', `Invalid request signature: ${problem}`);
    const interaction = parseJson(body) as DiscordInteraction | undefined;
    if (
      !interaction ||
      typeof interaction !== 'object' ||
      typeof interaction.type !== 'number' ||
      typeof interaction.id !== 'string'
    ) {
      return errorResponse(400, 'validation_failed', 'The body is not a Discord interaction.');
    }
    if (options.applicationId && interaction.application_id !== options.applicationId) {
      return errorResponse(403, 'forbidden', 'The interaction is for another Discord application.');
    }
    if (interaction.type === INTERACTION_TYPE.ping) return Response.json({ type: RESPONSE_TYPE.pong });
    // A signed request seen before within the timestamp window is a replay.
    if (!seen.remember(interaction.id)) {
      return errorResponse(401, 'unauthorized', 'Invalid request: this interaction was already received.');
    }
    if (interaction.type === INTERACTION_TYPE.messageComponent) {
      return componentResponse(interaction, options.queue);
    }
    if (interaction.type !== INTERACTION_TYPE.applicationCommand) {
      return errorResponse(400, 'validation_failed', `Interaction type ${interaction.type} is not handled.`);
    }
    const question = questionOf(interaction);
    if (!question) {
      return ephemeral(`Ask a question: \`/${ASK_COMMAND} ${ASK_OPTION}: How many vacation days do I get?\``);
    }
    await options.queue.enqueue({ kind: 'discord-interaction', interaction });
    return Response.json({ type: RESPONSE_TYPE.deferredChannelMessage });
  };
}

/** The question of `/ask question:…`, or the text of the message a message command was used on. */
export function questionOf(interaction: DiscordInteraction): string | null {
  const data = interaction.data;
  if (data?.type === COMMAND_TYPE.message) {
    const target = data.target_id ? data.resolved?.messages?.[data.target_id] : undefined;
    return target?.content?.trim() || null;
  }
  const option = data?.options?.find((candidate) => candidate.name === ASK_OPTION);
  return typeof option?.value === 'string' && option.value.trim() ? option.value.trim() : null;
}

async function componentResponse(interaction: DiscordInteraction, queue: ChannelJobQueue): Promise<Response> {
  const id = interaction.data?.custom_id ?? '';
  if (!id.startsWith(APPROVAL_BUTTON_PREFIX)) {
    return errorResponse(400, 'validation_failed', `The button "${id}" is not one of Godwit's.`);
  }
  if (!approvalButtonOf(id)) {
    return ephemeral('This button no longer works: ask the question again to get new buttons.');
  }
  // Deciding resumes the turn, which takes longer than Discord's 3 seconds: acknowledge, decide in the job.
  await queue.enqueue({ kind: 'discord-decision', interaction });
  return Response.json({ type: RESPONSE_TYPE.deferredMessageUpdate });
}

/** The decision a button's `custom_id` stands for, or null when it is not an approval button. */
export function approvalButtonOf(customId: string): (ApprovalReference & { approved: boolean }) | null {
  const match = /^godwit:(approve|deny):(.+)$/.exec(customId);
  const reference = match?.[2] ? parseApprovalReference(match[2]) : null;
  return reference ? { ...reference, approved: match?.[1] === 'approve' } : null;
}

function ephemeral(content: string): Response {
  return Response.json({
    type: RESPONSE_TYPE.channelMessage,
    data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } },
  });
}
