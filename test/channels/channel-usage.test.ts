/**
 * Usage and budgets per channel user: a Discord and a Slack user ask through signed requests, each model
 * call lands in the usage ledger under the Godwit user they map to, and a budget per user stops one of
 * them while the other goes on. Run on PGlite, on PostgreSQL and on DynamoDB (dynalite), each with the
 * counter store Godwit picks for it (memory seeded from the ledger, the database, DynamoDB).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';
import { describeWithService, dropSchema, postgresUrl, uniqueSchemaName } from '../support/services.ts';
import {
  askInteraction,
  type ChannelHarness,
  discordRequest,
  slackRequest,
  startChannelHarness,
} from './channel-harness.ts';

/** gpt-4.1-mini at $0.40 / $1.60 per million tokens: $0.012 a call, past the $0.005 a user may spend. */
const COSTLY = { inputTokens: 10_000, outputTokens: 5_000 };
const BUDGETS = `budgets:
  user: { dailyUsd: 0.005 }
  users:
    "slack:T1:U9": { dailyUsd: 5 }
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
    event_id: `EvUsage${slackEvent}`,
    event: {
      type: 'app_mention',
      user,
      text: `<@U0GODWIT> ${question}`,
      channel: 'C1',
      ts: `1733600${slackEvent}.000100`,
    },
  });
  return harness.app.request('/channels/slack/events', slackRequest(body));
}

function chatCalls(harness: ChannelHarness): number {
  return harness.emulator.requests.filter((request) => request.operation === 'chat').length;
}

function describeChannelUsage(name: string, open: () => Promise<ChannelHarness>, close = async () => {}) {
  describe(`usage per channel user on ${name}`, () => {
    let harness: ChannelHarness;

    // A new embedded database is the slow part (PGlite's first start), more so on a busy machine.
    beforeAll(async () => {
      harness = await open();
    }, 180_000);

    afterAll(async () => {
      await harness?.close();
      await close();
    });

    it('records each model call under the Godwit user the Discord or Slack user maps to', async () => {
      harness.emulator.script({ text: 'Twenty days [1].' }, { text: 'Twenty days, as said [1].' });
      expect((await askDiscord(harness, 'How many vacation days?', '111')).status).toBe(200);
      await harness.channels.idle();
      expect((await askSlack(harness, 'How many vacation days?', 'U1')).status).toBe(200);
      await harness.channels.idle();

      const rows = await harness.services.usage.summarize(DEFAULT_TENANT);
      const byUser = rows.filter((row) => row.userId?.match(/^(discord:111|slack:T1:U1)$/));
      expect(byUser.map((row) => [row.userId, row.apiKeyId, row.calls])).toEqual([
        ['discord:111', null, 1],
        ['slack:T1:U1', null, 1],
      ]);
      expect(await harness.services.usage.summarize(DEFAULT_TENANT, { userId: 'slack:T1:U1' })).toEqual([
        expect.objectContaining({ userId: 'slack:T1:U1', calls: 1 }),
      ]);

      // The tenant's admin reads the same per user over HTTP.
      const response = await harness.app.request('/api/usage?groupBy=user&user=discord%3A111');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { rows: Array<{ userId: string | null; calls: number }> };
      expect(body.rows).toEqual([expect.objectContaining({ userId: 'discord:111', calls: 1 })]);
      expect(body.rows[0]).not.toHaveProperty('apiKeyId');
    });

    it('stops a channel user past their budget while another goes on, and alerts', async () => {
      harness.emulator.script(
        { text: 'An expensive answer.', usage: COSTLY },
        { text: 'Another expensive answer.', usage: COSTLY },
        { text: 'And a third.', usage: COSTLY },
      );
      await askDiscord(harness, 'Tell me about leave', '444');
      await harness.channels.idle();
      expect(harness.platform.calls.at(-1)?.body.content).toContain('An expensive answer.');

      // $0.012 spent of $0.005: the next question is refused before the model is asked.
      const before = chatCalls(harness);
      await askDiscord(harness, 'And parental leave?', '444');
      await harness.channels.idle();
      expect(chatCalls(harness)).toBe(before);
      expect(harness.platform.calls.at(-1)?.body.content).toMatch(
        /⚠️ Budget reached: this user may spend \$[\d.]+ per UTC day/,
      );

      // The Slack user has a budget of their own ($5) and goes on, twice.
      await askSlack(harness, 'Tell me about leave', 'U9');
      await harness.channels.idle();
      await askSlack(harness, 'And parental leave?', 'U9');
      await harness.channels.idle();
      expect(chatCalls(harness)).toBe(before + 2);
      expect(harness.platform.calls.at(-1)?.body.text).toContain('And a third.');

      const spent = await harness.services.usage.summarize(DEFAULT_TENANT, { userId: 'discord:444' });
      expect(spent).toEqual([expect.objectContaining({ calls: 1, outputTokens: 5_000 })]);
      expect(spent[0]?.costUsd).toBeCloseTo(0.012, 9);

      const alerts = await harness.services.audit.list(DEFAULT_TENANT, { action: 'budget.threshold' });
      expect(alerts.filter((event) => event.target === `${DEFAULT_TENANT}/discord:444`)).toContainEqual(
        expect.objectContaining({ details: expect.objectContaining({ scope: 'user', threshold: 1 }) }),
      );

      const usage = await harness.app.request('/api/usage?groupBy=user');
      const { budgets } = (await usage.json()) as {
        budgets: Array<{ scope: string; id: string; usedUsd: number; limitUsd: number }>;
      };
      expect(budgets).toContainEqual(
        expect.objectContaining({ scope: 'user', id: `${DEFAULT_TENANT}/discord:444`, limitUsd: 0.005 }),
      );
      expect(budgets).toContainEqual(
        expect.objectContaining({ scope: 'user', id: `${DEFAULT_TENANT}/slack:T1:U9`, limitUsd: 5 }),
      );
    });
  });
}

describeChannelUsage('PGlite', () => startChannelHarness({ tenant: DEFAULT_TENANT, extraConfig: BUDGETS }));

const describeWithPostgres = await describeWithService('postgres');
const schema = uniqueSchemaName('channel_usage');
describeWithPostgres('PostgreSQL', () => {
  describeChannelUsage(
    'PostgreSQL',
    () =>
      startChannelHarness({
        tenant: DEFAULT_TENANT,
        extraConfig: `${BUDGETS}database:\n  url: ${postgresUrl()}\n  schema: ${schema}\n`,
      }),
    () => dropSchema(postgresUrl(), schema),
  );
});

let dynamo: DynaliteServer | undefined;
describeChannelUsage(
  'DynamoDB (dynalite)',
  async () => {
    dynamo = await startDynalite();
    // dynalite accepts any credentials; the SDK still needs some to sign.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    return startChannelHarness({
      tenant: DEFAULT_TENANT,
      extraConfig: `${BUDGETS}storage:
  conversations: dynamodb
  dynamodb:
    endpoint: ${dynamo.endpoint}
    region: us-east-1
    createTables: true
`,
    });
  },
  async () => {
    vi.unstubAllEnvs();
    await dynamo?.stop();
  },
);
