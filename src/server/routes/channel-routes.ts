/**
 * The chat channels' endpoints: `POST /channels/discord/interactions` and `POST /channels/slack/events`.
 * Each checks its platform's signature itself (no API key: Discord and Slack cannot send one). A channel
 * that is not configured answers 404 naming the keys that turn it on.
 */
import { NotFoundError } from '../../core/errors.ts';
import type { GodwitApp } from '../app-env.ts';

/** A channel's handler: the raw request in, the platform's answer out. */
export type ChannelRequestHandler = (request: Request) => Promise<Response>;

export interface ChannelRoutes {
  discord: ChannelRequestHandler | null;
  slack: ChannelRequestHandler | null;
}

export function registerChannelRoutes(app: GodwitApp, channels: ChannelRoutes | undefined): void {
  app.post('/channels/discord/interactions', (c) => {
    if (!channels?.discord) {
      throw new NotFoundError(
        'The Discord channel is off: set channels.discord.publicKey (GODWIT_CHANNELS__DISCORD__PUBLIC_KEY); see docs/CHANNELS.md.',
      );
    }
    return channels.discord(c.req.raw);
  });
  app.post('/channels/slack/events', (c) => {
    if (!channels?.slack) {
      throw new NotFoundError(
        'The Slack channel is off: set channels.slack.signingSecret and channels.slack.botToken (GODWIT_CHANNELS__SLACK__SIGNING_SECRET, GODWIT_CHANNELS__SLACK__BOT_TOKEN); see docs/CHANNELS.md.',
      );
    }
    return channels.slack(c.req.raw);
  });
}
