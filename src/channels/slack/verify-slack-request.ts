/**
 * Slack signs each request with the app's signing secret: `v0=` + HMAC-SHA256 of `v0:<timestamp>:<raw body>`;
 * a timestamp more than five minutes from now is refused, so a captured request cannot be replayed later
 * (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_REPLAY_WINDOW_SECONDS = 300;

/** Why the request is refused, or null when it is genuine and current. */
export function slackSignatureProblem(
  signingSecret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowSeconds: number,
): string | null {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return 'The request has no X-Slack-Signature or X-Slack-Request-Timestamp header.';
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt) || Math.abs(nowSeconds - sentAt) > SLACK_REPLAY_WINDOW_SECONDS) {
    return 'The request is older than five minutes or its timestamp is not current.';
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? null
    : 'The signature does not match.';
}

/** The `X-Slack-Signature` value for a body sent at `timestamp`. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}
