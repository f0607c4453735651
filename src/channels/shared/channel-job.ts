/**
 * The work a channel's acknowledgement leaves for later: answering takes longer than Discord's and Slack's
 * 3-second limit. Locally the server runs it in-process right after acknowledging; on AWS Lambda (which
 * freezes once it has responded) it goes through an SQS queue to the worker function.
 */
import type { DiscordInteraction } from '../discord/discord-types.ts';
import type { SlackDecision, SlackMessageEvent, SlackSlashCommand } from '../slack/slack-types.ts';

export type ChannelJob =
  | { kind: 'discord-interaction'; interaction: DiscordInteraction }
  /** A click on a tool call's Approve or Deny button. */
  | { kind: 'discord-decision'; interaction: DiscordInteraction }
  | { kind: 'slack-message'; teamId: string; event: SlackMessageEvent }
  | { kind: 'slack-command'; command: SlackSlashCommand }
  /** A click on a tool call's Approve or Deny button. */
  | { kind: 'slack-decision'; decision: SlackDecision };

/** Hands a verified job to whoever answers it. Resolves once the job is accepted, not when it is done. */
export interface ChannelJobQueue {
  enqueue(job: ChannelJob): Promise<void>;
}

/** The property of an SQS message body that marks a channel job (beside S3 notifications on the queue). */
export const CHANNEL_JOB_PROPERTY = 'godwitChannelJob';

/** The channel job in a queue message body, or null when the body is something else (an S3 notification). */
export function channelJobInMessage(body: string): ChannelJob | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !(CHANNEL_JOB_PROPERTY in parsed)) return null;
  const job = (parsed as Record<string, unknown>)[CHANNEL_JOB_PROPERTY];
  if (typeof job !== 'object' || job === null || typeof (job as { kind?: unknown }).kind !== 'string') {
    return null;
  }
  return job as ChannelJob;
}

/**
 * Runs each job in this process, in the background: the acknowledgement is not held up. `idle()` resolves
 * once every job started so far has ended (tests, and a server that drains before it stops).
 */
export class InProcessJobQueue implements ChannelJobQueue {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly run: (job: ChannelJob) => Promise<void>,
    private readonly onError: (error: unknown, job: ChannelJob) => void,
  ) {}

  async enqueue(job: ChannelJob): Promise<void> {
    const work = this.run(job).catch((error: unknown) => this.onError(error, job));
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
