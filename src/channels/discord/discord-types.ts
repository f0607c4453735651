/** The fields of Discord's interaction objects that Godwit reads (https://discord.com/developers/docs/interactions/receiving-and-responding). */

export interface DiscordUser {
  id: string;
  username?: string;
}

export interface DiscordInteraction {
  id: string;
  application_id: string;
  type: number;
  /** Valid for 15 minutes: edits the original response and sends follow-ups through the webhook. */
  token: string;
  guild_id?: string;
  channel_id?: string;
  /** In a server. */
  member?: { user: DiscordUser };
  /** In a direct message. */
  user?: DiscordUser;
  data?: {
    name?: string;
    /** 1 slash command, 3 message command. */
    type?: number;
    options?: Array<{ name: string; type: number; value?: unknown }>;
    target_id?: string;
    resolved?: { messages?: Record<string, { content?: string }> };
    /** A button's id (message components). */
    custom_id?: string;
  };
}

export const INTERACTION_TYPE = { ping: 1, applicationCommand: 2, messageComponent: 3 } as const;
export const COMMAND_TYPE = { chatInput: 1, message: 3 } as const;
/** 6: acknowledges a button click; the message the button is on is edited later. */
export const RESPONSE_TYPE = {
  pong: 1,
  channelMessage: 4,
  deferredChannelMessage: 5,
  deferredMessageUpdate: 6,
} as const;
/** Message flag: only the user who clicked sees the message. */
export const EPHEMERAL = 64;
/** Discord's limit on one message's content. */
export const DISCORD_MESSAGE_LIMIT = 2000;
