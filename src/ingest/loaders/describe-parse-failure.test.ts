import { describe, expect, it } from 'vitest';
import { describeParseFailure } from './describe-parse-failure.ts';

function overflow(depth: number): number {
  return depth === 0 ? 0 : 1 + overflow(depth - 1);
}

describe('describeParseFailure', () => {
  it('says a stack overflow means the content is nested too deeply', () => {
    let caught: unknown;
    try {
      overflow(10_000_000);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(describeParseFailure(caught)).toBe('its content is nested too deeply to read');
  });

  it('keeps the first line of any other error, cut to 200 characters', () => {
    expect(describeParseFailure(new Error('end of central directory not found\nat zip.js:12'))).toBe(
      'end of central directory not found',
    );
    expect(describeParseFailure(new Error('x'.repeat(500)))).toHaveLength(200);
    expect(describeParseFailure('plain text')).toBe('plain text');
    expect(describeParseFailure(new RangeError('Invalid array length'))).toBe('Invalid array length');
  });
});
