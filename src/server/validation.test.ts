import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, toValidationError } from './validation.ts';

function messagesFor(schema: z.ZodType, input: unknown, target = 'json'): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be invalid');
  return (toValidationError(result.error, input, target).details!.issues as Array<{ message: string }>).map(
    (issue) => issue.message,
  );
}

describe('validation messages', () => {
  it('writes paths the way a JSON client reads them', () => {
    expect(formatPath([], 'body')).toBe('body');
    expect(formatPath(['filter', 'sources', 2], 'body')).toBe('filter.sources[2]');
  });

  it('says a missing field is required and names its type', () => {
    expect(messagesFor(z.object({ query: z.string() }), {})).toEqual([
      'query: is required (expected a string)',
    ]);
  });

  it('names the type that was received', () => {
    expect(messagesFor(z.object({ tags: z.array(z.string()) }), { tags: 'a' })).toEqual([
      'tags: expected an array, got a string',
    ]);
    expect(messagesFor(z.object({ count: z.number() }), { count: null })).toEqual([
      'count: expected a number, got null',
    ]);
  });

  it('keeps schema messages that start with "expected"', () => {
    const k = z.number().max(100, 'expected a whole number from 1 to 100');
    expect(messagesFor(z.object({ k }), { k: 500 })).toEqual(['k: expected a whole number from 1 to 100']);
  });

  it('describes bounds, choices and unknown fields without schema messages', () => {
    expect(messagesFor(z.object({ name: z.string().min(3) }), { name: 'ab' })).toEqual([
      'name: expected at least 3 characters',
    ]);
    expect(messagesFor(z.object({ mode: z.enum(['a', 'b']) }), { mode: 'c' })).toEqual([
      'mode: expected one of "a", "b"',
    ]);
    expect(messagesFor(z.strictObject({}), { extra: 1 })[0]).toContain('body: unknown field "extra"');
  });

  it('names query parameters by their own name', () => {
    expect(messagesFor(z.object({ limit: z.coerce.number().min(1) }), { limit: '0' }, 'query')).toEqual([
      'limit: expected a number ≥ 1',
    ]);
  });
});
