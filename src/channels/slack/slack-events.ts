/**
 * `POST /channels/slack/events`: the Events API (URL verification, `app_mention`, direct messages), slash
 * commands and button clicks, all signed with the app's signing secret. Everything is acknowledged at once,
 * inside Slack's 3-second limit; answers are posted later (slack-answer.ts). A redelivered event
 * (`X-Slack-Retry-Num`) is acknowledged and skipped.
 */
import type { ChannelJobQueue } from '../shared/channel-job.ts';
import { errorResponse, parseJson, readRawBody } from '../shared/raw-request.ts';
import { RecentIds } from '../shared/recent-ids.ts';
import type {
  SlackBlockActions,
  SlackEnvelope,
  SlackMessageEvent,
  SlackSlashCommand,
} from './slack-types.ts';
import { slackSignatureProblem } from './verify-slack-request.ts';

export interface SlackEventsOptions {
  signingSecret: string;
  queue: ChannelJobQueue;
  maxBodyBytes: number;
  /** Unix seconds now. Default the clock. */
  nowSeconds?: () => number;
}

/** `action_id` of the buttons of a tool call waiting for approval. */
export const SLACK_APPROVE_ACTION = 'godwit_approve';
export const SLACK_DENY_ACTION = 'godwit_deny';

export function createSlackEvents(options: SlackEventsOptions) {
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const seenEvents = new RecentIds();
  return async (request: Request): Promise<Response> => {
    const body = await readRawBody(request, options.maxBodyBytes);
    if (body === null)
      return errorResponse(413, 'payload_too_large', 'The Slack request is larger than allowed.');
    const problem = slackSignatureProblem(
      options.signingSecret,
      {
        signature: request.headers.get('x-slack-signature') ?? undefined,
        timestamp: request.headers.get('x-slack-request-timestamp') ?? undefined,
      },
      body,
      nowSeconds(),
    );
    if (problem) return errorResponse(401, 'unauthorized', `Invalid request signature: ${problem}`);
    const contentType = request.headers.get('content-type') ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      return formRequest(new URLSearchParams(body), options.queue);
    }
    const envelope = parseJson(body) as SlackEnvelope | undefined;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.type !== 'string') {
      return errorResponse(400, 'validation_failed', 'The body is not a Slack event.');
    }
    if (envelope.type === 'url_verification') return Response.json({ challenge: envelope.challenge ?? '' });
    if (envelope.type !== 'event_callback' || !envelope.event) return new Response(null, { status: 200 });
    // Slack redelivers an event it thinks was missed; each event id is answered once.
    const retried = request.headers.get('x-slack-retry-num') !== null;
    if (envelope.event_id && !seenEvents.remember(envelope.event_id)) return skipped();
    // A retry for a slow acknowledgement: the first delivery reached a server (maybe another instance).
    if (retried && request.headers.get('x-slack-retry-reason') === 'http_timeout') return skipped();
    if (!isQuestion(envelope.event)) return new Response(null, { status: 200 });
    await options.queue.enqueue({
      kind: 'slack-message',
      teamId: envelope.team_id ?? '',
      event: envelope.event,
    });
    return new Response(null, { status: 200 });
  };
}

/** A person's mention of the app, or their direct message to it; never a bot's message (loops). */
function isQuestion(event: SlackMessageEvent): boolean {
  if (event.bot_id || event.subtype || !event.user) return false;
  return event.type === 'app_mention' || (event.type === 'message' && event.channel_type === 'im');
}

function skipped(): Response {
  return new Response(null, { status: 200, headers: { 'x-slack-no-retry': '1' } });
}

async function formRequest(form: URLSearchParams, queue: ChannelJobQueue): Promise<Response> {
  const payload = form.get('payload');
  if (payload !== null) return blockActions(parseJson(payload) as SlackBlockActions | undefined, queue);
  const command = Object.fromEntries(form) as unknown as SlackSlashCommand;
  if (!command.command || !command.response_url || !command.user_id || !command.channel_id) {
    return errorResponse(400, 'validation_failed', 'The form is neither a slash command nor an interaction.');
  }
  if (!command.text?.trim()) {
    return Response.json({
      response_type: 'ephemeral',
      text: `Ask a question: \`${command.command} How many vacation days do I get?\``,
    });
  }
  await queue.enqueue({ kind: 'slack-command', command: { ...command, text: command.text.trim() } });
  return Response.json({ response_type: 'ephemeral', text: 'Thinking…' });
}

async function blockActions(
  payload: SlackBlockActions | undefined,
  queue: ChannelJobQueue,
): Promise<Response> {
  if (payload?.type !== 'block_actions') return new Response(null, { status: 200 });
  const decision = payload.actions?.find(
    (action) => action.action_id === SLACK_APPROVE_ACTION || action.action_id === SLACK_DENY_ACTION,
  );
  const teamId = payload.user?.team_id ?? payload.team?.id;
  if (decision && payload.response_url && payload.user?.id && teamId) {
    // Deciding resumes the turn, which takes longer than Slack's 3 seconds: acknowledge, decide in the job.
    await queue.enqueue({
      kind: 'slack-decision',
      decision: {
        teamId,
        userId: payload.user.id,
        reference: decision.value ?? '',
        approved: decision.action_id === SLACK_APPROVE_ACTION,
        responseUrl: payload.response_url,
      },
    });
  }
  return new Response(null, { status: 200 });
}
