/**
 * The Discord channel end to end: signed interactions in, deferred responses out at once, answers written
 * to the fake Discord API by editing the original response, conversations per user and channel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversationIdFor } from '../../src/channels/index.ts';
import { toolCallViews } from '../../src/core/agent/tool-call-view.ts';
import {
  APPLICATION_ID,
  APPROVAL_GUILD,
  askInteraction,
  type ChannelHarness,
  discordRequest,
  generateDiscordKey,
  nowSeconds,
  SOURCE_URL,
  startChannelHarness,
  TENANT,
} from './channel-harness.ts';

let harness: ChannelHarness;
const ENDPOINT = '/channels/discord/interactions';

// A new embedded database is the slow part (PGlite's first start), more so on a busy machine.
beforeAll(async () => {
  harness = await startChannelHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  harness.platform.calls.length = 0;
});

afterEach(() => {
  // Every answer reached the fake Discord API, unless a test says otherwise.
  expect(harness.jobErrors.splice(0)).toEqual([]);
});

function post(body: unknown, timestamp?: string) {
  const text = JSON.stringify(body);
  return harness.app.request(ENDPOINT, discordRequest(text, harness.discordKey.privateKey, timestamp));
}

describe('Discord interactions endpoint', () => {
  it('answers a signed PING with PONG', async () => {
    const response = await post({ id: 'ping-1', application_id: APPLICATION_ID, type: 1, token: 't' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it('refuses a tampered body, a foreign key, missing headers and an old request with 401', async () => {
    const body = JSON.stringify({ id: 'ping-2', application_id: APPLICATION_ID, type: 1, token: 't' });
    const signed = discordRequest(body, harness.discordKey.privateKey);
    const tampered = await harness.app.request(ENDPOINT, {
      ...signed,
      body: body.replace('ping-2', 'ping-3'),
    });
    expect(tampered.status).toBe(401);
    expect((await tampered.json()).error.message).toContain('signature does not match');

    const foreign = await harness.app.request(
      ENDPOINT,
      discordRequest(body, generateDiscordKey().privateKey),
    );
    expect(foreign.status).toBe(401);

    const unsigned = await harness.app.request(ENDPOINT, { method: 'POST', body });
    expect(unsigned.status).toBe(401);

    // A genuine request captured and sent again ten minutes later.
    const old = await harness.app.request(
      ENDPOINT,
      discordRequest(body, harness.discordKey.privateKey, String(nowSeconds() - 600)),
    );
    expect(old.status).toBe(401);
    expect((await old.json()).error.message).toContain('too old');
  });

  it('refuses the same signed interaction sent twice, and asks the model once', async () => {
    harness.emulator.script({ text: 'Once.' });
    const interaction = askInteraction('Replay me');
    const init = discordRequest(JSON.stringify(interaction), harness.discordKey.privateKey);
    expect((await harness.app.request(ENDPOINT, init)).status).toBe(200);
    const replay = await harness.app.request(ENDPOINT, init);
    expect(replay.status).toBe(401);
    await harness.channels.idle();
    expect(harness.platform.calls).toHaveLength(1);
  });

  it('refuses an interaction for another application', async () => {
    const response = await post({ ...askInteraction('Hi'), application_id: '999' });
    expect(response.status).toBe(403);
  });

  it('defers /ask, then edits the original response with the answer and numbered source links', async () => {
    harness.emulator.script({ text: 'New employees get 20 vacation days a year [1].' });
    const interaction = askInteraction('How many vacation days do new employees get?');
    const response = await post(interaction);
    expect(await response.json()).toEqual({ type: 5 });
    await harness.channels.idle();
    const [edit] = harness.platform.calls;
    expect(edit?.method).toBe('PATCH');
    expect(edit?.path).toBe(`/webhooks/${APPLICATION_ID}/${interaction.token}/messages/@original`);
    expect(edit?.body.content).toContain('New employees get 20 vacation days a year [1].');
    expect(edit?.body.content).toContain(`**Sources**\n[1] [${SOURCE_URL} (line 3, Leave)](<${SOURCE_URL}>)`);
    expect(edit?.body.allowed_mentions).toEqual({ parse: [] });

    // The Discord user is a Godwit user of the configured tenant, with their own conversation.
    const conversationId = conversationIdFor(['discord', '100', '200', 'discord:111']);
    const conversation = await harness.services.conversations.getConversation(TENANT, conversationId);
    expect(conversation?.userId).toBe('discord:111');
    expect(conversation?.knowledgeBase).toBe('handbook');
  });

  it('continues the same conversation for the next question in the channel, and not for another user', async () => {
    harness.emulator.script({ text: 'First answer.' }, { text: 'Second answer.' }, { text: 'Other user.' });
    await post(askInteraction('First question', { channel: '300' }));
    await harness.channels.idle();
    await post(askInteraction('Second question', { channel: '300' }));
    await harness.channels.idle();
    await post(askInteraction('Mine', { channel: '300', user: '222' }));
    await harness.channels.idle();
    const conversationId = conversationIdFor(['discord', '100', '300', 'discord:111']);
    const messages = await harness.services.conversations.listMessages(TENANT, conversationId);
    expect(messages.map((message) => message.content)).toEqual([
      'First question',
      'First answer.',
      'Second question',
      'Second answer.',
    ]);
    // The model saw the earlier turn with the second question.
    const lastChat = harness.emulator.requests.filter((request) => request.operation === 'chat').at(-2);
    expect(JSON.stringify(lastChat?.body)).toContain('First answer.');
    const other = conversationIdFor(['discord', '100', '300', 'discord:222']);
    expect(await harness.services.conversations.listMessages(TENANT, other)).toHaveLength(2);
  });

  it('acknowledges before a slow model answers', async () => {
    harness.emulator.script({ text: 'Slow but sure.', firstTokenDelayMs: 3_500 });
    const response = await post(askInteraction('Take your time'));
    // The deferred acknowledgement is back while no answer has been written.
    expect(await response.json()).toEqual({ type: 5 });
    expect(harness.platform.calls).toHaveLength(0);
    const [edit] = await harness.platform.waitForCalls(1);
    expect(edit?.body.content).toContain('Slow but sure.');
  }, 20_000);

  it('splits a long answer into messages within 2000 characters: an edit, then follow-ups', async () => {
    const paragraph = `${'Vacation policy detail. '.repeat(40).trim()}\n\n`;
    const long = paragraph.repeat(6);
    harness.emulator.script({ text: long, chunks: [long] });
    const interaction = askInteraction('Tell me everything');
    await post(interaction);
    await harness.channels.idle();
    const calls = harness.platform.calls;
    expect(calls.length).toBeGreaterThan(2);
    expect(calls[0]?.method).toBe('PATCH');
    for (const call of calls.slice(1)) {
      expect(call.method).toBe('POST');
      expect(call.path).toBe(`/webhooks/${APPLICATION_ID}/${interaction.token}`);
    }
    for (const call of calls) expect(call.body.content.length).toBeLessThanOrEqual(2000);
    const joined = calls.map((call) => call.body.content).join(' ');
    expect(joined.match(/Vacation policy detail\./g)).toHaveLength(240);
  });

  it('answers a message command with the text of the message it was used on', async () => {
    harness.emulator.script({ text: 'About that message.' });
    const interaction = {
      ...askInteraction('unused'),
      data: {
        name: 'Ask Godwit',
        type: 3,
        target_id: '555',
        resolved: { messages: { '555': { content: 'What is the parental leave policy?' } } },
      },
    };
    expect(await (await post(interaction)).json()).toEqual({ type: 5 });
    await harness.channels.idle();
    const chat = harness.emulator.requests.filter((request) => request.operation === 'chat').at(-1);
    expect(JSON.stringify(chat?.body)).toContain('What is the parental leave policy?');
    expect(harness.platform.calls[0]?.body.content).toContain('About that message.');
  });

  it('shows the reason when the question is refused before the model is asked, and keeps no empty conversation', async () => {
    await post(askInteraction('x'.repeat(40_000), { channel: '777' }));
    await harness.channels.idle();
    expect(harness.platform.calls[0]?.body.content).toMatch(/⚠️ .*(long|characters)/);
    const conversationId = conversationIdFor(['discord', '100', '777', 'discord:111']);
    expect(await harness.services.conversations.getConversation(TENANT, conversationId)).toBeUndefined();
  });

  it('reports an answer Discord refuses (an expired interaction token) to the operator log', async () => {
    harness.emulator.script({ text: 'Too late.' });
    harness.platform.refuse('/webhooks/', 404);
    try {
      await post(askInteraction('Still there?'));
      await harness.channels.idle();
    } finally {
      harness.platform.refuse('/webhooks/', 0);
    }
    expect(harness.jobErrors.splice(0).map(String)).toEqual([
      expect.stringContaining("Discord refused the answer's message 1 with HTTP 404"),
    ]);
  });

  it('asks for a question when /ask has none, without deferring', async () => {
    const interaction = { ...askInteraction(''), data: { name: 'ask', type: 1, options: [] } };
    const body = await (await post(interaction)).json();
    expect(body.type).toBe(4);
    expect(body.data.content).toContain('/ask');
  });

  it('refuses a body that is not an interaction with 400', async () => {
    const response = await post({ hello: 'world' });
    expect(response.status).toBe(400);
  });
});

describe('Discord approval buttons', () => {
  let clickCounter = 0;

  /** Asks in the approval server (its assistant asks before each calculator call); the answer's buttons. */
  async function askForApproval(channel: string) {
    harness.emulator.script({ toolCalls: [{ name: 'calculator', input: { expression: '21*2' } }] });
    await post(askInteraction('What is 21 times 2?', { guild: APPROVAL_GUILD, channel }));
    await harness.channels.idle();
    const edit = harness.platform.calls.at(-1);
    const [approve, deny] = edit!.body.components[0].components as Array<{
      custom_id: string;
      label: string;
    }>;
    harness.platform.calls.length = 0;
    const conversationId = conversationIdFor(['discord', APPROVAL_GUILD, channel, 'discord:111']);
    return { edit, approve: approve!, deny: deny!, conversationId };
  }

  async function click(customId: string, user = '111') {
    clickCounter += 1;
    const token = `click-token-${clickCounter}`;
    const response = await post({
      id: `click-${clickCounter}`,
      application_id: APPLICATION_ID,
      type: 3,
      token,
      guild_id: APPROVAL_GUILD,
      member: { user: { id: user } },
      data: { custom_id: customId, component_type: 2 },
    });
    // Acknowledged at once as a deferred update of the message the button is on.
    expect(await response.json()).toEqual({ type: 6 });
    await harness.channels.idle();
    return { token, calls: harness.platform.calls.splice(0) };
  }

  async function storedCall(conversationId: string) {
    const messages = await harness.services.conversations.listMessages(TENANT, conversationId);
    return toolCallViews(messages.at(-1)?.parts ?? [])[0];
  }

  it('shows a tool call waiting for approval with Approve and Deny buttons', async () => {
    const { edit, approve, deny } = await askForApproval('a1');
    expect(edit?.body.content).toContain('Waiting for your approval');
    expect(edit?.body.content).toContain('`calculator`');
    expect([approve.label, deny.label]).toEqual(['Approve calculator', 'Deny']);
    expect(approve.custom_id).toMatch(/^godwit:approve:/);
    expect(deny.custom_id).toMatch(/^godwit:deny:/);
  });

  it('runs the tool on Approve and writes the continued answer over the message with the buttons', async () => {
    const { approve, conversationId } = await askForApproval('a2');
    harness.emulator.script({ text: '21 times 2 is 42.' });
    const { token, calls } = await click(approve.custom_id);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe('PATCH');
    expect(calls[0]?.path).toBe(`/webhooks/${APPLICATION_ID}/${token}/messages/@original`);
    expect(calls[0]?.body.content).toContain('21 times 2 is 42.');
    expect(calls[0]?.body.components).toEqual([]);
    const call = await storedCall(conversationId);
    expect(call?.state).toBe('complete');
    expect(JSON.stringify(call?.output)).toContain('42');
    expect(call?.approval?.state).toBe('approved');
  });

  it('tells the model on Deny, and stores the call as denied', async () => {
    const { deny, conversationId } = await askForApproval('a3');
    harness.emulator.script({ text: 'I did not calculate it.' });
    const { calls } = await click(deny.custom_id);
    expect(calls[0]?.body.content).toContain('I did not calculate it.');
    const call = await storedCall(conversationId);
    expect(call?.state).toBe('denied');
    expect(call?.approval?.state).toBe('denied');
    const lastChat = harness.emulator.requests.filter((request) => request.operation === 'chat').at(-1);
    expect(JSON.stringify(lastChat?.body)).toMatch(/denied/i);
  });

  it('refuses, privately, a click by anyone but the person who asked; the call keeps waiting', async () => {
    const { approve, conversationId } = await askForApproval('a4');
    const chatsBefore = harness.emulator.requests.length;
    const { token, calls } = await click(approve.custom_id, '222');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.path).toBe(`/webhooks/${APPLICATION_ID}/${token}`);
    expect(calls[0]?.body.flags).toBe(64);
    expect(calls[0]?.body.content).toContain('Only the person who asked');
    expect(harness.emulator.requests).toHaveLength(chatsBefore);
    expect((await storedCall(conversationId))?.state).toBe('awaiting-approval');
  });

  it('refuses, privately, a second click once the call is decided', async () => {
    const { approve, deny, conversationId } = await askForApproval('a5');
    harness.emulator.script({ text: 'It is 42.' });
    await click(approve.custom_id);
    const chatsBefore = harness.emulator.requests.length;
    for (const again of [approve.custom_id, deny.custom_id]) {
      const { calls } = await click(again);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.body.flags).toBe(64);
      expect(calls[0]?.body.content).toContain('was already approved');
    }
    expect(harness.emulator.requests).toHaveLength(chatsBefore);
    expect((await storedCall(conversationId))?.state).toBe('complete');
  });

  it('refuses, privately, a click once the conversation has moved on', async () => {
    const { approve } = await askForApproval('a6');
    harness.emulator.script({ text: 'Something else.' });
    await post(askInteraction('Never mind that', { guild: APPROVAL_GUILD, channel: 'a6' }));
    await harness.channels.idle();
    harness.platform.calls.length = 0;
    const { calls } = await click(approve.custom_id);
    expect(calls[0]?.body.flags).toBe(64);
    expect(calls[0]?.body.content).toContain('no longer waits');
  });

  it('answers a button of an older form privately, without deferring', async () => {
    const response = await post({
      id: 'click-old',
      application_id: APPLICATION_ID,
      type: 3,
      token: 'old-token',
      member: { user: { id: '111' } },
      data: { custom_id: 'godwit:approve:only-an-approval-id', component_type: 2 },
    });
    const body = await response.json();
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(64);
    expect(body.data.content).toContain('no longer works');
  });

  it("refuses a button that is not one of Godwit's with 400", async () => {
    const response = await post({
      id: 'click-foreign',
      application_id: APPLICATION_ID,
      type: 3,
      token: 'foreign-token',
      member: { user: { id: '111' } },
      data: { custom_id: 'someone-else:button', component_type: 2 },
    });
    expect(response.status).toBe(400);
  });
});
