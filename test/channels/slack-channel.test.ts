/**
 * The Slack channel end to end: signed Events API requests and slash commands in, acknowledgements out at
 * once, answers posted to the fake Slack API in the thread, the thread continued as one conversation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversationIdFor } from '../../src/channels/index.ts';
import { toolCallViews } from '../../src/core/agent/tool-call-view.ts';
import {
  APPROVAL_CHANNEL,
  type ChannelHarness,
  nowSeconds,
  SLACK_BOT_TOKEN,
  SOURCE_URL,
  slackRequest,
  startChannelHarness,
  TENANT,
} from './channel-harness.ts';

let harness: ChannelHarness;
const ENDPOINT = '/channels/slack/events';
let eventCounter = 0;

// A new embedded database is the slow part (PGlite's first start), more so on a busy machine.
beforeAll(async () => {
  harness = await startChannelHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  harness.platform.calls.length = 0;
  harness.jobErrors.length = 0;
});

function mention(
  text: string,
  options: { ts?: string; threadTs?: string; channel?: string; user?: string } = {},
) {
  eventCounter += 1;
  return {
    type: 'event_callback',
    team_id: 'T1',
    event_id: `Ev${eventCounter}`,
    event: {
      type: 'app_mention',
      user: options.user ?? 'U1',
      text: `<@U0GODWIT> ${text}`,
      channel: options.channel ?? 'C1',
      ts: options.ts ?? `1733500${eventCounter}.000200`,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
  };
}

function post(body: unknown, options: Parameters<typeof slackRequest>[1] = {}) {
  return harness.app.request(ENDPOINT, slackRequest(JSON.stringify(body), options));
}

describe('Slack events endpoint', () => {
  it('answers URL verification with the challenge', async () => {
    const response = await post({ type: 'url_verification', challenge: 'abc123' });
    expect(await response.json()).toEqual({ challenge: 'abc123' });
  });

  it('refuses a wrong signature, a tampered body and a request older than five minutes with 401', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc' });
    const wrong = await harness.app.request(ENDPOINT, slackRequest(body, { secret: 'another-secret' }));
    expect(wrong.status).toBe(401);
    const signed = slackRequest(body);
    const tampered = await harness.app.request(ENDPOINT, { ...signed, body: body.replace('abc', 'xyz') });
    expect(tampered.status).toBe(401);
    const old = await harness.app.request(
      ENDPOINT,
      slackRequest(body, { timestamp: String(nowSeconds() - 301) }),
    );
    expect(old.status).toBe(401);
    expect((await old.json()).error.message).toContain('five minutes');
    const unsigned = await harness.app.request(ENDPOINT, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
  });

  it('acknowledges a mention at once and answers in its thread with mrkdwn and sources', async () => {
    harness.emulator.script({ text: 'New employees get **20 vacation days** a year [1].' });
    const event = mention('How many vacation days do new employees get?');
    const response = await post(event);
    expect(response.status).toBe(200);
    await harness.channels.idle();
    const [call] = harness.platform.calls;
    expect(call?.path).toBe('/chat.postMessage');
    expect(call?.authorization).toBe(`Bearer ${SLACK_BOT_TOKEN}`);
    expect(call?.body.channel).toBe('C1');
    expect(call?.body.thread_ts).toBe(event.event.ts);
    expect(call?.body.text).toContain('New employees get *20 vacation days* a year [1].');
    expect(call?.body.text).toContain(`*Sources*\n[1] <${SOURCE_URL}|${SOURCE_URL} (line 3, Leave)>`);
    // The question reached the model without the bot's mention.
    const chat = harness.emulator.requests.filter((request) => request.operation === 'chat').at(-1);
    expect(JSON.stringify(chat?.body)).not.toContain('U0GODWIT');
    const conversationId = conversationIdFor(['slack', 'T1', 'C1', event.event.ts]);
    const conversation = await harness.services.conversations.getConversation(TENANT, conversationId);
    expect(conversation?.userId).toBe('slack:T1:U1');
  });

  it('continues the conversation when the thread goes on', async () => {
    harness.emulator.script({ text: 'Twenty days.' }, { text: 'Yes, five carry over.' });
    const first = mention('How many vacation days?', { channel: 'C2' });
    await post(first);
    await harness.channels.idle();
    await post(
      mention('Do unused days carry over?', {
        channel: 'C2',
        threadTs: first.event.ts,
        ts: '1733509999.000300',
      }),
    );
    await harness.channels.idle();
    expect(harness.platform.calls.map((call) => call.body.thread_ts)).toEqual([
      first.event.ts,
      first.event.ts,
    ]);
    const conversationId = conversationIdFor(['slack', 'T1', 'C2', first.event.ts]);
    const messages = await harness.services.conversations.listMessages(TENANT, conversationId);
    expect(messages.map((message) => message.content)).toEqual([
      'How many vacation days?',
      'Twenty days.',
      'Do unused days carry over?',
      'Yes, five carry over.',
    ]);
  });

  it('skips a redelivered event (X-Slack-Retry-Num) and answers once', async () => {
    harness.emulator.script({ text: 'Only once.' });
    const event = mention('Answer me once', { channel: 'C3' });
    expect((await post(event)).status).toBe(200);
    const retry = await post(event, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await harness.channels.idle();
    expect(harness.platform.calls).toHaveLength(1);
  });

  it('ignores messages from bots, its own answers included', async () => {
    const event = mention('I am a bot');
    const response = await post({ ...event, event: { ...event.event, bot_id: 'B1' } });
    expect(response.status).toBe(200);
    await harness.channels.idle();
    expect(harness.platform.calls).toHaveLength(0);
  });

  it('answers a slash command in the channel through its response URL', async () => {
    harness.emulator.script({ text: 'Twenty days [1].' });
    const form = new URLSearchParams({
      command: '/ask',
      text: 'How many vacation days?',
      team_id: 'T1',
      channel_id: 'C4',
      user_id: 'U7',
      response_url: `${harness.platform.url}/response/abc`,
    }).toString();
    const response = await harness.app.request(
      ENDPOINT,
      slackRequest(form, { contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(await response.json()).toEqual({ response_type: 'ephemeral', text: 'Thinking…' });
    await harness.channels.idle();
    const [call] = harness.platform.calls;
    expect(call?.path).toBe('/response/abc');
    expect(call?.body.response_type).toBe('in_channel');
    expect(call?.body.text).toContain('Twenty days [1].');
    const conversationId = conversationIdFor(['slack', 'T1', 'C4', 'command', 'slack:T1:U7']);
    expect(await harness.services.conversations.listMessages(TENANT, conversationId)).toHaveLength(2);
  });

  it('does not post to a response URL outside Slack', async () => {
    const form = new URLSearchParams({
      command: '/ask',
      text: 'Hello',
      team_id: 'T1',
      channel_id: 'C5',
      user_id: 'U7',
      response_url: 'http://169.254.169.254/latest',
    }).toString();
    const errors: unknown[] = [];
    const { createConfiguredChannels } = await import('../../src/config/create-channels.ts');
    const channels = createConfiguredChannels(harness.config, {
      chat: harness.services.chat,
      conversations: harness.services.conversations,
      reportError: (error) => errors.push(error),
    });
    harness.emulator.script({ text: 'Hello.' });
    await channels
      .runJob({
        kind: 'slack-command',
        command: Object.fromEntries(new URLSearchParams(form)) as never,
      })
      .catch((error: unknown) => errors.push(error));
    expect(String(errors[0])).toContain('not a Slack address');
    expect(harness.platform.calls).toHaveLength(0);
  });

  it('acknowledges before a slow model answers', async () => {
    harness.emulator.script({ text: 'Slow but sure.', firstTokenDelayMs: 3_500 });
    const response = await post(mention('Take your time', { channel: 'C6' }));
    expect(response.status).toBe(200);
    expect(harness.platform.calls).toHaveLength(0);
    const [call] = await harness.platform.waitForCalls(1);
    expect(call?.body.text).toContain('Slow but sure.');
  }, 20_000);

  it('reports a message Slack refuses to the operator log', async () => {
    harness.emulator.script({ text: 'Nobody will see this.' });
    harness.platform.refuse('/chat.postMessage', 500);
    try {
      await post(mention('Are you there?', { channel: 'C7' }));
      await harness.channels.idle();
    } finally {
      harness.platform.refuse('/chat.postMessage', 0);
    }
    expect(String(harness.jobErrors[0])).toContain('Slack refused chat.postMessage: HTTP 500');
  });

  it('refuses a form that is neither a command nor an interaction with 400', async () => {
    const response = await harness.app.request(
      ENDPOINT,
      slackRequest('foo=bar', { contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(response.status).toBe(400);
  });
});

describe('Slack approval buttons', () => {
  let clickCounter = 0;
  type Button = { action_id: string; value: string };

  /** Mentions the app in the approval channel (its assistant asks before each calculator call). */
  async function askForApproval(ts: string, expressions = ['21*2']) {
    harness.emulator.script({
      toolCalls: expressions.map((expression) => ({ name: 'calculator', input: { expression } })),
    });
    await post(mention('Calculate, please', { channel: APPROVAL_CHANNEL, ts }));
    await harness.channels.idle();
    const message = harness.platform.calls.at(-1);
    const buttons = (message!.body.blocks as Array<{ type: string; elements?: Button[] }>)
      .filter((block) => block.type === 'actions')
      .map((block) => block.elements as Button[]);
    harness.platform.calls.length = 0;
    const conversationId = conversationIdFor(['slack', 'T1', APPROVAL_CHANNEL, ts]);
    return { message, buttons, conversationId };
  }

  async function click(button: Button, user = 'U1') {
    clickCounter += 1;
    const payload = JSON.stringify({
      type: 'block_actions',
      user: { id: user, team_id: 'T1' },
      team: { id: 'T1' },
      response_url: `${harness.platform.url}/response/click-${clickCounter}`,
      actions: [{ action_id: button.action_id, value: button.value }],
    });
    const response = await harness.app.request(
      ENDPOINT,
      slackRequest(new URLSearchParams({ payload }).toString(), {
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    // Acknowledged at once, empty; the decision is made in the job.
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await harness.channels.idle();
    return { path: `/response/click-${clickCounter}`, calls: harness.platform.calls.splice(0) };
  }

  async function storedCalls(conversationId: string) {
    const messages = await harness.services.conversations.listMessages(TENANT, conversationId);
    return toolCallViews(messages.at(-1)?.parts ?? []);
  }

  it('shows a tool call waiting for approval as Approve and Deny buttons', async () => {
    const { message, buttons } = await askForApproval('1733600001.000100');
    expect(message?.body.text).toContain('*Waiting for your approval*');
    expect(buttons[0]?.map((button) => button.action_id)).toEqual(['godwit_approve', 'godwit_deny']);
  });

  it('runs the tool on Approve and replaces the message with the buttons by the continued answer', async () => {
    const { buttons, conversationId } = await askForApproval('1733600002.000100');
    harness.emulator.script({ text: '21 times 2 is 42.' });
    const { path, calls } = await click(buttons[0]![0]!);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.path).toBe(path);
    expect(calls[0]?.body.replace_original).toBe(true);
    expect(calls[0]?.body.text).toContain('21 times 2 is 42.');
    expect(calls[0]?.body.blocks.some((block: { type: string }) => block.type === 'actions')).toBe(false);
    const [call] = await storedCalls(conversationId);
    expect(call?.state).toBe('complete');
    expect(JSON.stringify(call?.output)).toContain('42');
  });

  it('tells the model on Deny, and stores the call as denied', async () => {
    const { buttons, conversationId } = await askForApproval('1733600003.000100');
    harness.emulator.script({ text: 'I did not calculate it.' });
    const { calls } = await click(buttons[0]![1]!);
    expect(calls[0]?.body.text).toContain('I did not calculate it.');
    const [call] = await storedCalls(conversationId);
    expect(call?.state).toBe('denied');
    expect(call?.approval?.state).toBe('denied');
  });

  it('refuses, privately, a click by anyone but the person who asked; the call keeps waiting', async () => {
    const { buttons, conversationId } = await askForApproval('1733600004.000100');
    const requestsBefore = harness.emulator.requests.length;
    const { calls } = await click(buttons[0]![0]!, 'U2');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(calls[0]?.body.text).toContain('Only the person who asked');
    expect(harness.emulator.requests).toHaveLength(requestsBefore);
    expect((await storedCalls(conversationId))[0]?.state).toBe('awaiting-approval');
  });

  it('refuses, privately, a second click once the call is decided', async () => {
    const { buttons } = await askForApproval('1733600005.000100');
    harness.emulator.script({ text: 'It is 42.' });
    await click(buttons[0]![1]!);
    const requestsBefore = harness.emulator.requests.length;
    const { calls } = await click(buttons[0]![0]!);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(calls[0]?.body.text).toContain('was already denied');
    expect(harness.emulator.requests).toHaveLength(requestsBefore);
  });

  it('records each decision of an answer waiting for two calls, and continues after the last', async () => {
    const { buttons, conversationId } = await askForApproval('1733600006.000100', ['1+1', '2+2']);
    expect(buttons).toHaveLength(2);
    const first = await click(buttons[0]![0]!);
    expect(first.calls[0]?.body.response_type).toBe('ephemeral');
    expect(first.calls[0]?.body.text).toContain('still waiting: `calculator`');
    expect((await storedCalls(conversationId)).map((call) => call.approval?.state)).toEqual([
      'approved',
      'requested',
    ]);
    harness.emulator.script({ text: 'One is 2; the other was not run.' });
    const last = await click(buttons[1]![1]!);
    expect(last.calls[0]?.body.replace_original).toBe(true);
    expect(last.calls[0]?.body.text).toContain('One is 2; the other was not run.');
    expect((await storedCalls(conversationId)).map((call) => call.state)).toEqual(['complete', 'denied']);
  });

  it('answers a button of an older form privately', async () => {
    const { calls } = await click({ action_id: 'godwit_approve', value: 'only-an-approval-id' });
    expect(calls[0]?.body.response_type).toBe('ephemeral');
    expect(calls[0]?.body.text).toContain('no longer works');
  });
});
