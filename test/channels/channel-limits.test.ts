/**
 * Per-minute rate limits and budgets on channel turns, counted on Redis (limits.store) as for /api/chat: a
 * Discord or Slack user past the requests or tokens a minute allowed is answered in the channel with when to
 * try again, before the model is asked; a budget refusal names small amounts exactly; and both refusals
 * count in godwit_limit_refusals_total, the metric of HTTP refusals.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatUsd } from '../../src/core/limits/index.ts';
import { describeWithService, redisUrl } from '../support/services.ts';
import {
  askInteraction,
  type ChannelHarness,
  discordRequest,
  slackRequest,
  startChannelHarness,
} from './channel-harness.ts';

// A tenant of its own: the counts stay in Redis for their window, and another run must not see them.
const TENANT = `limits${randomBytes(4).toString('hex')}`;
/** gpt-4.1-mini at $0.40 / $1.60 per million tokens: 4,000 tokens, $0.0052, past a $0.004 budget. */
const PRICEY = { inputTokens: 1_000, outputTokens: 3_000 };
/** 15,000 tokens: past the 12,000 a minute a user may use. */
const LONG = { inputTokens: 10_000, outputTokens: 5_000 };
const CONFIG = `redis:
  url: ${redisUrl()}
limits:
  store: redis
  roles:
    user: { requestsPerMinute: 2, tokensPerMinute: 12000 }
budgets:
  users:
    "discord:777": { dailyUsd: 0.004 }
`;

let slackEvent = 0;

function askDiscord(harness: ChannelHarness, question: string, user: string) {
  const body = JSON.stringify(askInteraction(question, { user }));
  return harness.app.request(
    '/channels/discord/interactions',
    discordRequest(body, harness.discordKey.privateKey),
  );
}

function askSlack(harness: ChannelHarness, question: string, user: string) {
  slackEvent += 1;
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    event_id: `EvLimits${TENANT}${slackEvent}`,
    event: {
      type: 'app_mention',
      user,
      text: `<@U0GODWIT> ${question}`,
      channel: 'C1',
      ts: `1733700${slackEvent}.000100`,
    },
  });
  return harness.app.request('/channels/slack/events', slackRequest(body));
}

function chatCalls(harness: ChannelHarness): number {
  return harness.emulator.requests.filter((request) => request.operation === 'chat').length;
}

function lastPosted(harness: ChannelHarness): string {
  const body = harness.platform.calls.at(-1)?.body as { content?: string; text?: string } | undefined;
  return body?.content ?? body?.text ?? '';
}

async function refusals(harness: ChannelHarness, reason: string, scope: string): Promise<number> {
  const text = await (await harness.app.request('/metrics')).text();
  const line = text
    .split('\n')
    .find((entry) => entry.startsWith(`godwit_limit_refusals_total{reason="${reason}",scope="${scope}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Counts are kept in one-minute windows: a sequence that must fall in one window starts early enough in it
 * (waiting for the next one when fewer than 20 s are left).
 */
async function startOfWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const describeWithRedis = await describeWithService('redis');

describeWithRedis('rate limits and budgets of channel turns, on Redis', () => {
  let harness: ChannelHarness;

  beforeAll(async () => {
    harness = await startChannelHarness({ tenant: TENANT, extraConfig: CONFIG });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('refuses a Discord user past the requests a minute, saying when to retry, and counts it', async () => {
    await startOfWindow();
    harness.emulator.script({ text: 'Twenty days [1].' }, { text: 'Still twenty days [1].' });
    const counted = await refusals(harness, 'rate_limited', 'user');
    await askDiscord(harness, 'How many vacation days?', '111');
    await harness.channels.idle();
    await askDiscord(harness, 'And for part-time staff?', '111');
    await harness.channels.idle();
    expect(lastPosted(harness)).toContain('Still twenty days');

    const before = chatCalls(harness);
    await askDiscord(harness, 'And for interns?', '111');
    await harness.channels.idle();
    expect(chatCalls(harness)).toBe(before);
    expect(lastPosted(harness)).toMatch(
      /^⚠️ Rate limit reached: this user may use 2 requests a minute; retry in \d+ s\./,
    );
    expect(await refusals(harness, 'rate_limited', 'user')).toBe(counted + 1);
    // Nothing of the refused question was stored.
    const { conversations } = await harness.services.conversations.listConversations(TENANT);
    const messages = await Promise.all(
      conversations.map((conversation) =>
        harness.services.conversations.listMessages(TENANT, conversation.id),
      ),
    );
    expect(messages.flat().map((message) => message.content)).not.toContain('And for interns?');
  });

  it("counts a turn's tokens against the tokens a minute (Slack), and other users go on", async () => {
    await startOfWindow();
    harness.emulator.script({ text: 'A long answer.', usage: LONG }, { text: 'Answer for U6.' });
    await askSlack(harness, 'Tell me everything about leave', 'U5');
    await harness.channels.idle();
    expect(lastPosted(harness)).toContain('A long answer.');

    const before = chatCalls(harness);
    await askSlack(harness, 'And more?', 'U5');
    await harness.channels.idle();
    expect(chatCalls(harness)).toBe(before);
    expect(lastPosted(harness)).toMatch(
      /Rate limit reached: this user may use 12000 tokens a minute; retry in \d+ s\./,
    );

    await askSlack(harness, 'How many vacation days?', 'U6');
    await harness.channels.idle();
    expect(lastPosted(harness)).toContain('Answer for U6.');
  });

  it('refuses past a budget with the amount in full, and counts it in the same metric', async () => {
    await startOfWindow();
    harness.emulator.script({ text: 'A pricey answer.', usage: PRICEY });
    const counted = await refusals(harness, 'budget_exceeded', 'user');
    await askDiscord(harness, 'Tell me about leave', '777');
    await harness.channels.idle();
    expect(lastPosted(harness)).toContain('A pricey answer.');

    const before = chatCalls(harness);
    await askDiscord(harness, 'And parental leave?', '777');
    await harness.channels.idle();
    expect(chatCalls(harness)).toBe(before);
    expect(lastPosted(harness)).toMatch(
      /^⚠️ Budget reached: this user may spend \$0\.004 per UTC day and has used \$0\.0052; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z\./,
    );
    expect(await refusals(harness, 'budget_exceeded', 'user')).toBe(counted + 1);
  });
});

it('formats dollar amounts with cents and every digit a small amount needs', () => {
  expect(formatUsd(5)).toBe('5.00');
  expect(formatUsd(0.5)).toBe('0.50');
  expect(formatUsd(0.004)).toBe('0.004');
  expect(formatUsd(0.0052)).toBe('0.0052');
  expect(formatUsd(12.345678)).toBe('12.345678');
  expect(formatUsd(0)).toBe('0.00');
});
