import { describe, expect, it } from 'vitest';
import { ActionError, type ActionGroupEvent, createActionGroupHandler } from './action-group.ts';

const event = (overrides: Partial<ActionGroupEvent>): ActionGroupEvent => ({
  messageVersion: '1.0',
  actionGroup: 'clinic',
  apiPath: '/appointments',
  httpMethod: 'POST',
  sessionAttributes: { userId: 'ana' },
  ...overrides,
});

const handler = createActionGroupHandler({
  'GET /slots/{day}': ({ parameter }) => ({ day: parameter('day'), missing: parameter('nope') }),
  'POST /appointments': ({ properties, event: received }) => {
    if (!properties.patientId) throw new ActionError(400, 'patientId is required.');
    return { patientId: properties.patientId, by: received.sessionAttributes?.userId };
  },
  'DELETE /appointments/{id}': () => {
    throw new Error('the schedule is down');
  },
});

const body = (response: Awaited<ReturnType<typeof handler>>) =>
  JSON.parse(response.response.responseBody['application/json'].body);

describe('createActionGroupHandler', () => {
  it('passes path parameters and body properties to the action and answers 200 in the action-group shape', async () => {
    const slots = await handler(
      event({
        apiPath: '/slots/{day}',
        httpMethod: 'GET',
        parameters: [{ name: 'day', value: '2026-12-08' }],
      }),
    );
    expect(slots.response).toMatchObject({
      actionGroup: 'clinic',
      apiPath: '/slots/{day}',
      httpStatusCode: 200,
    });
    expect(body(slots)).toEqual({ day: '2026-12-08', missing: '' });
    const booked = await handler(
      event({
        requestBody: {
          content: { 'application/json': { properties: [{ name: 'patientId', value: 'p-1' }] } },
        },
      }),
    );
    expect(body(booked)).toEqual({ patientId: 'p-1', by: 'ana' });
    expect(booked.sessionAttributes).toEqual({ userId: 'ana' });
    expect(booked.promptSessionAttributes).toEqual({});
  });

  it('answers an ActionError with its status and message', async () => {
    const response = await handler(event({}));
    expect(response.response.httpStatusCode).toBe(400);
    expect(body(response)).toEqual({ error: 'patientId is required.' });
  });

  it('answers 404 naming the route when no action has it', async () => {
    const response = await handler(event({ apiPath: '/toString', httpMethod: 'GET' }));
    expect(response.response.httpStatusCode).toBe(404);
    expect(body(response)).toEqual({ error: 'No action for GET /toString.' });
  });

  it('fails the invocation on any other error', async () => {
    await expect(handler(event({ apiPath: '/appointments/{id}', httpMethod: 'DELETE' }))).rejects.toThrow(
      'the schedule is down',
    );
  });
});
