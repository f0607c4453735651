/**
 * Action-group Lambda tools through the AWS SDK's Lambda client against a local Invoke API that runs a real
 * Bedrock Agents action-group handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRun } from '../../src/core/agent/agent-run.ts';
import { toolCallViews } from '../../src/core/agent/tool-call-view.ts';
import { createLambdaInvoke } from '../../src/tools/lambda/lambda-invoker.ts';
import { lambdaTools } from '../../src/tools/lambda/lambda-tools.ts';
import { loadOpenApiDocument } from '../../src/tools/openapi/load-openapi-document.ts';
import { type LambdaInvokeEmulator, startLambdaInvokeEmulator } from '../support/lambda-invoke-emulator.ts';
import { handler } from './fixtures/scheduling-action-group-handler.ts';
import { scriptedModel } from './scripted-model.ts';

const DOCUMENT = new URL('./fixtures/scheduling-openapi.yaml', import.meta.url).pathname;
let emulator: LambdaInvokeEmulator;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startLambdaInvokeEmulator({ 'pf360-scheduling': handler as never });
  // The AWS SDK's own credential chain reads these (as it would on a laptop or in Lambda).
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAEMULATED',
    AWS_SECRET_ACCESS_KEY: 'emulated',
    AWS_REGION: 'eu-west-1',
  });
});

afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

async function runWith(calls: Array<{ name: string; input: unknown }>, functionName = 'pf360-scheduling') {
  const tools = lambdaTools({
    source: 'pf360',
    functionName,
    document: await loadOpenApiDocument(DOCUMENT, 'tools.lambda.pf360.document'),
    actionGroup: 'SchedulingActions',
    assistant: 'scheduler',
    readOnly: null,
    invoke: createLambdaInvoke({ region: 'eu-west-1', endpoint: emulator.endpoint }),
  });
  const run = new AgentRun(
    {
      assistant: {
        name: 'scheduler',
        instructions: 'Book appointments.',
        model: 'mock:scripted',
        knowledgeBases: [],
        maxSteps: 4,
        approval: { mode: 'never', tools: {} },
      },
      model: scriptedModel([{ toolCalls: calls }, { text: 'Done.' }]),
      tools,
      messages: [{ role: 'user', content: 'When is Dr Lee free?' }],
      context: { tenantId: 'clinic-7', userId: 'nurse-1', conversationId: 'conversation-1' },
    },
    { limits: { timeoutMs: 5_000, maxOutputBytes: 65_536, secrets: [] }, approvalSecret: 'x'.repeat(32) },
  );
  for await (const _event of run.events());
  return toolCallViews(run.parts);
}

describe('Lambda tools with the Bedrock Agents action-group event', () => {
  it('invokes the function with the action-group event and reads its response body', async () => {
    const [call] = await runWith([
      { name: 'pf360__getAvailability', input: { providerId: 'dr-lee', date: '2026-12-08' } },
    ]);
    expect(call).toMatchObject({
      state: 'complete',
      output: { providerId: 'dr-lee', date: '2026-12-08', slots: ['09:00', '10:30'], tenant: 'clinic-7' },
    });
    expect(emulator.events.at(-1)?.event).toMatchObject({
      messageVersion: '1.0',
      actionGroup: 'SchedulingActions',
      apiPath: '/availability/{providerId}',
      httpMethod: 'GET',
      sessionId: 'conversation-1',
      parameters: [
        { name: 'providerId', type: 'string', value: 'dr-lee' },
        { name: 'date', type: 'string', value: '2026-12-08' },
      ],
      sessionAttributes: { tenantId: 'clinic-7', userId: 'nurse-1' },
    });
  });

  it('sends a JSON body as requestBody properties', async () => {
    const [call] = await runWith([
      { name: 'pf360__createAppointment', input: { body: { providerId: 'dr-lee', start: '09:00' } } },
    ]);
    expect(call?.output).toEqual({ booked: { providerId: 'dr-lee', start: '09:00' } });
    expect(emulator.events.at(-1)?.event).toMatchObject({
      httpMethod: 'POST',
      requestBody: {
        content: {
          'application/json': {
            properties: [
              { name: 'providerId', type: 'string', value: 'dr-lee' },
              { name: 'start', type: 'string', value: '09:00' },
            ],
          },
        },
      },
    });
  });

  it('stores a function that throws as a failed call with its error message', async () => {
    const [call] = await runWith([
      { name: 'pf360__getAvailability', input: { providerId: 'crash', date: '2026-12-08' } },
    ]);
    expect(call).toMatchObject({
      state: 'failed',
      error: 'Tool "pf360__getAvailability": the function failed (database connection refused).',
    });
  });

  it('stores a missing function as a failed call', async () => {
    const [call] = await runWith(
      [{ name: 'pf360__getAvailability', input: { providerId: 'dr-lee', date: '2026-12-08' } }],
      'no-such-function',
    );
    expect(call).toMatchObject({
      state: 'failed',
      error: 'Invoking Lambda function "no-such-function" failed (ResourceNotFoundException).',
    });
  });
});
