/** Reads a key lifetime as people write it: `30d`, `12h`, `90m`, `2w`, or an ISO 8601 date/time. */
import { ValidationError } from '../errors.ts';

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * The moment a key expires, or throws ValidationError naming the accepted forms. A date in the past is
 * rejected: a key that is born expired is a mistake.
 *
 * @example
 *   parseExpiry('30d', new Date('2026-01-01T00:00:00Z')) // 2026-01-31T00:00:00Z
 */
export function parseExpiry(value: string, now: Date, field = 'expires'): Date {
  const text = value.trim();
  const relative = /^(\d{1,6})([mhdw])$/.exec(text);
  let at: Date;
  if (relative) {
    at = new Date(now.getTime() + Number(relative[1]) * (UNIT_MS[relative[2] ?? 'd'] ?? 0));
  } else if (/^\d{4}-\d{2}-\d{2}([T ].*)?$/.test(text)) {
    at = new Date(text);
  } else {
    at = new Date(Number.NaN);
  }
  if (Number.isNaN(at.getTime())) {
    throw new ValidationError(
      `${field} must be a duration such as 30d, 12h, 90m or 2w, or an ISO 8601 date such as 2027-01-31; got "${value}".`,
      { details: { field } },
    );
  }
  if (at.getTime() <= now.getTime()) {
    throw new ValidationError(
      `${field} is in the past (${at.toISOString()}); give a future date or a duration.`,
      {
        details: { field },
      },
    );
  }
  return at;
}
