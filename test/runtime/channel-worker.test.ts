/**
 * Channels on AWS Lambda: the API function acknowledges a Discord question at once and puts the work on the
 * queue (through the AWS SDK, against a local SQS); the worker function answers it from the queue message.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../src/runtime/ingest-lambda.ts';
import { createLambdaApp } from '../../src/runtime/lambda.ts';
import { MemoryApiKeyStore } from '../../src/storage/memory/memory-api-key-store.ts';
import { askInteraction, discordRequest, generateDiscordKey } from '../channels/channel-harness.ts';
import { type ChannelApiFake, startChannelApiFake } from '../support/channel-api-fake.ts';
import { type SqsFake, startSqsFake } from '../support/sqs-fake.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';

let sqs: SqsFake;
let platform: ChannelApiFake;
let services: TestServices;
const key = generateDiscordKey();

beforeAll(async () => {
  [sqs, platform, services] = await Promise.all([
    startSqsFake(),
    startChannelApiFake(),
    createTestServices(),
  ]);
  // The SQS client takes its region and credentials from the function's environment.
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([sqs?.close(), platform?.close(), services?.close()]);
});

function functionEnv(): Record<string, string> {
  return {
    GODWIT_CHANNELS__QUEUE_URL: sqs.queueUrl,
    GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: key.publicHex,
    GODWIT_CHANNELS__DISCORD__API_BASE_URL: platform.url,
  };
}

describe('channel jobs through the worker queue', () => {
  it('acknowledges on the API function, answers on the worker', async () => {
    const app = createLambdaApp({
      env: functionEnv(),
      // Exposed functions require authentication; the channel endpoints check signatures instead.
      createServices: async () => ({ ...services, apiKeys: new MemoryApiKeyStore() }),
      writeLog: () => {},
    });
    const interaction = askInteraction('How many vacation days?');
    const response = await app.request(
      '/channels/discord/interactions',
      discordRequest(JSON.stringify(interaction), key.privateKey),
    );
    expect(await response.json()).toEqual({ type: 5 });
    // Nothing was answered by the function that acknowledged: the job waits on the queue.
    expect(platform.calls).toHaveLength(0);
    expect(sqs.messages).toHaveLength(1);
    expect(JSON.parse(sqs.messages[0]?.body ?? '{}').godwitChannelJob.kind).toBe('discord-interaction');

    const logs: string[] = [];
    const worker = createIngestHandler({
      env: functionEnv(),
      createServices: async () => services,
      writeLog: (line) => logs.push(line),
    });
    const result = await worker({ Records: sqs.messages });
    expect(result.batchItemFailures).toEqual([]);
    const [edit] = platform.calls;
    expect(edit?.method).toBe('PATCH');
    expect(edit?.path).toBe(
      `/webhooks/${interaction.application_id}/${interaction.token}/messages/@original`,
    );
    expect(edit?.body.content).toContain('Employees get 25 vacation days a year [1].');
    expect(logs.some((line) => line.includes('"channel job done"'))).toBe(true);
  });

  it('acknowledges without waiting for the services to start (a cold start must stay inside 3 seconds)', async () => {
    let started = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked: () => void = () => {};
    const servicesAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const app = createLambdaApp({
      env: functionEnv(),
      createServices: async () => {
        asked();
        await gate;
        started = true;
        return { ...services, apiKeys: new MemoryApiKeyStore() };
      },
      writeLog: () => {},
    });
    const before = sqs.messages.length;
    const interaction = askInteraction('Cold start?');
    const response = await app.request(
      '/channels/discord/interactions',
      discordRequest(JSON.stringify(interaction), key.privateKey),
    );
    expect(await response.json()).toEqual({ type: 5 });
    expect(sqs.messages).toHaveLength(before + 1);
    // Other routes still wait for the services, which have not started.
    const health = app.request('/healthz');
    await servicesAsked;
    expect(started).toBe(false);
    release();
    expect((await health).status).toBe(200);
    expect(started).toBe(true);
  });

  it('logs a job whose answer Discord refuses, without returning it to the queue', async () => {
    platform.refuse('/webhooks/', 404);
    const logs: string[] = [];
    const worker = createIngestHandler({
      env: functionEnv(),
      createServices: async () => services,
      writeLog: (line) => logs.push(line),
    });
    const job = {
      godwitChannelJob: { kind: 'discord-interaction', interaction: askInteraction('Expired token?') },
    };
    const result = await worker({ Records: [{ messageId: 'm-expired', body: JSON.stringify(job) }] });
    expect(result.batchItemFailures).toEqual([]);
    const failure = logs.map((line) => JSON.parse(line)).find((entry) => entry.messageId === 'm-expired');
    expect(failure).toMatchObject({ level: 'error', job: 'discord-interaction' });
    expect(failure.error).toContain('HTTP 404');
  });
});
