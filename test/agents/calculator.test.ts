import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/tools/builtin/calculator.ts';

describe('calculator', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', 4],
    ['10 % 4', 2],
    ['sqrt(16) + abs(-3)', 7],
    ['max(1, 5, 3) - min(4, 2)', 3],
    ['1.5e3 / 3', 500],
    ['round(pi * 100) / 100', 3.14],
  ])('evaluates %s', (expression, expected) => {
    expect(evaluateExpression(expression)).toBe(expected);
  });

  it.each([
    ['process.exit(1)', /unknown name "process"|unexpected "."/],
    ['constructor("return 1")()', /unknown name "constructor"/],
    ['1 +', /character 4: expected a number/],
    ['(1 + 2', /missing "\)"/],
    ['1 / 0', /no finite value/],
    ['2 2', /unexpected "2"/],
  ])('refuses %s with a clear error', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(message);
  });
});
