/**
 * The example's action-group Lambda, invoked through the local Invoke API (as start.ts serves it) by
 * Godwit's own Lambda invoker: availability, booking, double booking, cancelling and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaInvoke } from '../../../src/tools/lambda/lambda-invoker.ts';
import { startLocalInvokeApi } from './local-invoke-api.ts';
import { type ActionGroupEvent, createPf360Handler } from './pf360-handler.ts';

let api: Awaited<ReturnType<typeof startLocalInvokeApi>>;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
  api = await startLocalInvokeApi({ 'pf360-scheduling': createPf360Handler() }, { port: 0 });
});
afterAll(async () => {
  process.env = saved;
  await api.close();
});

async function call(
  httpMethod: string,
  apiPath: string,
  fields: { parameters?: Record<string, string>; body?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const event: ActionGroupEvent = {
    messageVersion: '1.0',
    actionGroup: 'SchedulingActions',
    apiPath,
    httpMethod,
    parameters: Object.entries(fields.parameters ?? {}).map(([name, value]) => ({
      name,
      type: 'string',
      value,
    })),
    ...(fields.body
      ? {
          requestBody: {
            content: {
              'application/json': {
                properties: Object.entries(fields.body).map(([name, value]) => ({ name, value })),
              },
            },
          },
        }
      : {}),
    sessionAttributes: { tenantId: 'clinic', userId: 'nurse-1' },
  };
  const invoke = createLambdaInvoke({ region: 'us-east-1', endpoint: api.endpoint });
  const { payload } = await invoke('pf360-scheduling', event, new AbortController().signal);
  const result = payload as {
    response: { httpStatusCode: number; responseBody: { 'application/json': { body: string } } };
  };
  return {
    status: result.response.httpStatusCode,
    body: JSON.parse(result.response.responseBody['application/json'].body),
  };
}

const availability = (providerId: string, date: string) =>
  call('GET', '/providers/{providerId}/availability', { parameters: { providerId, date } });

describe('the PF360 action-group Lambda', () => {
  it('lists free slots on a working day and none on another', async () => {
    const tuesday = await availability('dr-lee', '2026-12-08');
    expect(tuesday.status).toBe(200);
    expect(tuesday.body.slots).toHaveLength(6);
    const monday = await availability('dr-lee', '2026-12-07');
    expect(monday.body).toMatchObject({ slots: [], note: 'Dr. Lee does not see patients on this day.' });
  });

  it('books a slot once, refuses it a second time, and frees it when cancelled', async () => {
    const booking = { slotId: 'dr-lee_2026-12-10_1000', patientId: 'patient-7' };
    const booked = await call('POST', '/appointments', { body: booking });
    expect(booked).toMatchObject({
      status: 200,
      body: {
        providerId: 'dr-lee',
        date: '2026-12-10',
        start: '10:00',
        status: 'booked',
        bookedBy: 'nurse-1',
      },
    });
    const slots = (await availability('dr-lee', '2026-12-10')).body.slots as Array<{ start: string }>;
    expect(slots.map((slot) => slot.start)).not.toContain('10:00');
    expect(await call('POST', '/appointments', { body: booking })).toMatchObject({
      status: 409,
      body: { error: 'The slot 2026-12-10 10:00 with dr-lee is no longer free.' },
    });
    const appointmentId = String(booked.body.appointmentId);
    const cancelled = await call('DELETE', '/appointments/{appointmentId}', {
      parameters: { appointmentId },
    });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await availability('dr-lee', '2026-12-10')).body.slots).toHaveLength(6);
  });

  it.each([
    [() => availability('dr-who', '2026-12-08'), 404, /Unknown provider "dr-who"/],
    [() => availability('dr-lee', 'Tuesday'), 400, /date "Tuesday" is not a day in YYYY-MM-DD/],
    [() => call('POST', '/appointments', { body: { slotId: 'soon', patientId: 'p' } }), 400, /not a slot/],
    [
      () => call('POST', '/appointments', { body: { slotId: 'x' } }),
      400,
      /slotId and patientId are required/,
    ],
    [
      () => call('DELETE', '/appointments/{appointmentId}', { parameters: { appointmentId: 'apt-9999' } }),
      404,
      /No appointment "apt-9999"/,
    ],
    [() => call('PATCH', '/appointments'), 404, /No action for PATCH \/appointments/],
  ])('answers bad input with an error status and message (%#)', async (request, status, message) => {
    const result = await request();
    expect(result.status).toBe(status);
    expect(String(result.body.error)).toMatch(message);
  });
});
