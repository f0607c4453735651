import { describe, expect, it } from 'vitest';
import { isRefusal } from './refusal.ts';

describe('isRefusal', () => {
  it.each([
    'I could not find anything about that in the knowledge base. Try other words.',
    "I couldn't find an office on Mars in the sources.",
    'I can’t answer that from the documents provided.',
    'The sources do not contain the CEO’s salary.',
    'There is no information about that in the handbook.',
    'That is not mentioned in the sources.',
  ])('recognises "%s"', (answer) => {
    expect(isRefusal(answer)).toBe(true);
  });

  it.each([
    'New employees get 20 days of paid vacation [1].',
    'SMS codes are not accepted; use a hardware key [2].',
    'Unused learning budget does not roll over [1].',
  ])('does not flag the answer "%s"', (answer) => {
    expect(isRefusal(answer)).toBe(false);
  });
});
