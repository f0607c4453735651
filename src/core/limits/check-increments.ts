/** Input checks every CounterStore adapter shares, so a bad increment fails the same way everywhere. */
import { ValidationError } from '../errors.ts';
import type { CounterIncrement } from '../ports.ts';

export function checkIncrements(increments: readonly CounterIncrement[]): void {
  const seen = new Set<string>();
  for (const [index, increment] of increments.entries()) {
    if (typeof increment.key !== 'string' || increment.key.length === 0 || increment.key.length > 512) {
      throw new ValidationError(`increments[${index}].key must be 1 to 512 characters.`, {
        details: { field: `increments[${index}].key` },
      });
    }
    if (!Number.isSafeInteger(increment.by)) {
      throw new ValidationError(`increments[${index}].by must be a whole number; got ${increment.by}.`, {
        details: { field: `increments[${index}].by` },
      });
    }
    if (Number.isNaN(increment.expiresAt.getTime())) {
      throw new ValidationError(`increments[${index}].expiresAt is not a valid date.`, {
        details: { field: `increments[${index}].expiresAt` },
      });
    }
    if (seen.has(increment.key)) {
      throw new ValidationError(`increments name the key "${increment.key}" twice; add the amounts first.`, {
        details: { field: `increments[${index}].key` },
      });
    }
    seen.add(increment.key);
  }
}
