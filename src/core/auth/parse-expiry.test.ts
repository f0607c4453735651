import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { parseExpiry } from './parse-expiry.ts';

const now = new Date('2026-01-01T00:00:00Z');

describe('parseExpiry', () => {
  it.each([
    ['90m', '2026-01-01T01:30:00.000Z'],
    ['12h', '2026-01-01T12:00:00.000Z'],
    ['30d', '2026-01-31T00:00:00.000Z'],
    ['2w', '2026-01-15T00:00:00.000Z'],
    ['2027-06-30', '2027-06-30T00:00:00.000Z'],
    ['2026-03-01T08:00:00Z', '2026-03-01T08:00:00.000Z'],
  ])('reads %s', (value, expected) => {
    expect(parseExpiry(value, now).toISOString()).toBe(expected);
  });

  it.each(['soon', '30', '30 days', '-1d', '2026-13-45', ''])(
    'refuses %j, naming the accepted forms',
    (value) => {
      expect(() => parseExpiry(value, now, '--expires')).toThrow(/--expires must be a duration such as 30d/);
    },
  );

  it('refuses a moment that is not in the future', () => {
    expect(() => parseExpiry('2025-12-31', now)).toThrow(ValidationError);
    expect(() => parseExpiry('2026-01-01T00:00:00Z', now)).toThrow(/in the past/);
  });
});
