/**
 * Chat channels: Discord and Slack bots over the one chat turn. Each channel checks its platform's
 * signature, acknowledges at once, and answers later as a job (in-process, or through a queue worker).
 */
export {
  type ChannelDeps,
  type ChannelHandler,
  type ChannelSettings,
  type ChannelTarget,
  type ChannelTurnMeter,
  createChannelHandlers,
  createChannelJobRunner,
} from './create-channels.ts';
export { discordMessages } from './discord/discord-answer.ts';
export { discordPublicKey } from './discord/verify-discord-request.ts';
export {
  CHANNEL_JOB_PROPERTY,
  type ChannelJob,
  type ChannelJobQueue,
  channelJobInMessage,
  InProcessJobQueue,
} from './shared/channel-job.ts';
export { conversationIdFor } from './shared/conversation-key.ts';
export { splitMessage } from './shared/split-message.ts';
export { slackMessages } from './slack/slack-answer.ts';
export { toSlackMrkdwn } from './slack/slack-mrkdwn.ts';
export { slackSignature } from './slack/verify-slack-request.ts';
export { SqsJobQueue } from './sqs-job-queue.ts';
