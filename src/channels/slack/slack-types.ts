/** The fields of Slack's Events API, slash command and interactivity payloads that Godwit reads. */

/** An `app_mention`, or a `message` in a direct message with the app. */
export interface SlackMessageEvent {
  type: string;
  user?: string;
  text?: string;
  channel: string;
  channel_type?: string;
  ts: string;
  /** The thread's first message; absent on a top-level message (which then starts the thread). */
  thread_ts?: string;
  bot_id?: string;
  subtype?: string;
}

export interface SlackEnvelope {
  type: string;
  /** `url_verification` only. */
  challenge?: string;
  team_id?: string;
  event_id?: string;
  event?: SlackMessageEvent;
}

/** A slash command, sent as a form (https://api.slack.com/interactivity/slash-commands). */
export interface SlackSlashCommand {
  team_id: string;
  channel_id: string;
  user_id: string;
  command: string;
  text: string;
  /** Posts up to five answers for 30 minutes. */
  response_url: string;
}

/** A button click, sent as a form field `payload` (https://api.slack.com/reference/interaction-payloads/block-actions). */
export interface SlackBlockActions {
  type: 'block_actions';
  response_url?: string;
  user?: { id?: string; team_id?: string };
  team?: { id?: string } | null;
  actions?: Array<{ action_id?: string; value?: string }>;
}

/** A click on an Approve or Deny button, as the job that decides it receives it. */
export interface SlackDecision {
  teamId: string;
  userId: string;
  /** The button's value: `<conversation id>:<approval id>`. */
  reference: string;
  approved: boolean;
  /** Replaces the message the buttons are on, or answers only the person who clicked. */
  responseUrl: string;
}

/** Slack's limit on one section block's text; answers are split into messages of this size. */
export const SLACK_SECTION_LIMIT = 3000;
