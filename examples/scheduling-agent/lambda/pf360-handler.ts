/**
 * The PF360 action-group Lambda of the scheduling agent, written for Bedrock Agents: it reads the event's
 * apiPath, httpMethod, parameters and requestBody and answers in the action-group response shape. Godwit
 * invokes it unchanged (tools.lambda in godwit.yaml). The PF360 calls are replaced here by a small in-memory
 * schedule so the example runs without PF360; a real function would call the PF360 API at the same places.
 */
// In a function of your own: import { … } from 'godwit/lambda/action-group';
import { ActionError, createActionGroupHandler } from '../../../src/lambda/action-group.ts';

export type { ActionGroupEvent } from '../../../src/lambda/action-group.ts';

export interface Appointment {
  appointmentId: string;
  providerId: string;
  date: string;
  start: string;
  patientId: string;
  reason: string | null;
  status: 'booked' | 'cancelled';
  /** Who booked it: the Godwit user the action ran for (sessionAttributes.userId). */
  bookedBy: string | null;
}

/** Providers and the weekdays they see patients (0 = Sunday), as PF360 would return them. */
const PROVIDERS: Record<string, { name: string; weekdays: number[] }> = {
  'dr-lee': { name: 'Dr. Lee', weekdays: [2, 4] },
  'dr-okafor': { name: 'Dr. Okafor', weekdays: [1, 3, 5] },
};

const DAY_SLOTS = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];

/**
 * A handler over its own schedule (one per warm Lambda container).
 *
 * @example const handler = createPf360Handler(); await handler(event);
 */
export function createPf360Handler(appointments = new Map<string, Appointment>()) {
  let counter = 0;

  const availability = (providerId: string, date: string) => {
    const provider = PROVIDERS[providerId];
    if (!provider) {
      throw new ActionError(
        404,
        `Unknown provider "${providerId}". Known: ${Object.keys(PROVIDERS).join(', ')}.`,
      );
    }
    const day = parseDate(date);
    const taken = new Set(
      [...appointments.values()]
        .filter((item) => item.status === 'booked' && item.providerId === providerId && item.date === date)
        .map((item) => item.start),
    );
    const works = provider.weekdays.includes(day.getUTCDay());
    return {
      providerId,
      providerName: provider.name,
      date,
      slots: works
        ? DAY_SLOTS.filter((start) => !taken.has(start)).map((start) => ({
            slotId: `${providerId}_${date}_${start.replace(':', '')}`,
            start,
          }))
        : [],
      ...(works ? {} : { note: `${provider.name} does not see patients on this day.` }),
    };
  };

  const book = (fields: Record<string, string>, userId: string | null): Appointment => {
    const { slotId, patientId } = fields;
    if (!slotId || !patientId) throw new ActionError(400, 'slotId and patientId are required.');
    const match = /^([a-z-]+)_(\d{4}-\d{2}-\d{2})_(\d{2})(\d{2})$/.exec(slotId);
    if (!match) throw new ActionError(400, `slotId "${slotId}" is not a slot from getAvailability.`);
    const [, providerId, date, hours, minutes] = match as unknown as [string, string, string, string, string];
    const start = `${hours}:${minutes}`;
    const free = availability(providerId, date).slots.some((slot) => slot.start === start);
    if (!free) throw new ActionError(409, `The slot ${date} ${start} with ${providerId} is no longer free.`);
    const appointment: Appointment = {
      appointmentId: `apt-${String(++counter).padStart(4, '0')}`,
      providerId,
      date,
      start,
      patientId,
      reason: fields.reason ?? null,
      status: 'booked',
      bookedBy: userId,
    };
    appointments.set(appointment.appointmentId, appointment);
    return appointment;
  };

  const cancel = (appointmentId: string): Appointment => {
    const appointment = appointments.get(appointmentId);
    if (!appointment) throw new ActionError(404, `No appointment "${appointmentId}".`);
    appointment.status = 'cancelled';
    return appointment;
  };

  return createActionGroupHandler({
    'GET /providers/{providerId}/availability': ({ parameter }) =>
      availability(parameter('providerId'), parameter('date')),
    'POST /appointments': ({ properties, event }) =>
      book(properties, event.sessionAttributes?.userId ?? null),
    'DELETE /appointments/{appointmentId}': ({ parameter }) => cancel(parameter('appointmentId')),
  });
}

function parseDate(date: string): Date {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(parsed.getTime()))
    throw new ActionError(400, `date "${date}" is not a day in YYYY-MM-DD.`);
  return parsed;
}

/** The function's entry point, as the Lambda Node.js runtime calls it. */
export const handler = createPf360Handler();
