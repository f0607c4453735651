import { describe, expect, it } from 'vitest';
import { checkToolCalls, type ToolFunction } from './tool-call-checker.ts';

const WEATHER: ToolFunction = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};
const TIMER: ToolFunction = {
  name: 'set_timer',
  description: 'Starts a timer.',
  parameters: {
    type: 'object',
    properties: {
      minutes: { type: 'integer' },
      rate: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' } },
      loud: { type: 'boolean' },
    },
    required: ['minutes'],
  },
};
const FUNCTIONS = [WEATHER, TIMER];
const lisbon = [{ get_weather: { city: ['Lisbon'], unit: ['celsius', ''] } }];

describe('checkToolCalls', () => {
  it('accepts the right call, with strings compared without case, spaces or punctuation', () => {
    expect(
      checkToolCalls(FUNCTIONS, lisbon, [{ name: 'get_weather', arguments: { city: ' lisbon.' } }]),
    ).toEqual({
      correct: true,
      reason: null,
    });
  });

  it('lets an optional argument be left out only when "" is acceptable', () => {
    const withUnit = [{ get_weather: { city: ['Lisbon'], unit: ['celsius'] } }];
    expect(
      checkToolCalls(FUNCTIONS, lisbon, [{ name: 'get_weather', arguments: { city: 'Lisbon' } }]).correct,
    ).toBe(true);
    expect(
      checkToolCalls(FUNCTIONS, withUnit, [{ name: 'get_weather', arguments: { city: 'Lisbon' } }]),
    ).toEqual({
      correct: false,
      reason: 'get_weather: missing argument "unit"',
    });
  });

  it('rejects a wrong function name, a missing required argument and an extra argument', () => {
    expect(checkToolCalls(FUNCTIONS, lisbon, [{ name: 'set_timer', arguments: { minutes: 3 } }]).reason).toBe(
      'called set_timer, expected get_weather',
    );
    expect(
      checkToolCalls(FUNCTIONS, lisbon, [{ name: 'get_weather', arguments: { unit: 'celsius' } }]).reason,
    ).toBe('get_weather: missing required argument "city"');
    expect(
      checkToolCalls(FUNCTIONS, lisbon, [
        { name: 'get_weather', arguments: { city: 'Lisbon', country: 'PT' } },
      ]).reason,
    ).toBe('get_weather: unexpected argument "country"');
  });

  it('rejects a wrong value and a value of the wrong type, but takes an integer for a number', () => {
    expect(
      checkToolCalls(FUNCTIONS, lisbon, [{ name: 'get_weather', arguments: { city: 'Porto' } }]).reason,
    ).toBe('get_weather: argument "city" is "Porto", expected one of ["Lisbon"]');
    const timer = [{ set_timer: { minutes: [5], rate: [2], tags: [['tea'], ''], loud: ['', true] } }];
    const call = (args: Record<string, unknown>) =>
      checkToolCalls(FUNCTIONS, timer, [{ name: 'set_timer', arguments: args }]);
    expect(call({ minutes: '5', rate: 2 }).reason).toBe(
      'set_timer: argument "minutes" should be an integer, got string',
    );
    expect(call({ minutes: 5.5, rate: 2 }).reason).toBe(
      'set_timer: argument "minutes" should be an integer, got number',
    );
    expect(call({ minutes: 5, rate: 2 }).correct).toBe(true);
    expect(call({ minutes: 5, rate: 2.0, loud: true, tags: ['Tea'] }).correct).toBe(true);
    expect(call({ minutes: 5, rate: 2, loud: 'true' }).reason).toBe(
      'set_timer: argument "loud" should be a boolean, got string',
    );
    expect(call({ minutes: 5, rate: 2, tags: 'tea' }).reason).toBe(
      'set_timer: argument "tags" should be an array, got string',
    );
    expect(call({ minutes: 5, rate: 2, tags: [1] }).reason).toBe(
      'set_timer: argument "tags" [0] should be a string, got number',
    );
  });

  it('matches parallel calls in any order, each expected call by a different call', () => {
    const both = [
      { get_weather: { city: ['Paris'], unit: [''] } },
      { get_weather: { city: ['Rome'], unit: [''] } },
    ];
    const rome = { name: 'get_weather', arguments: { city: 'Rome' } };
    const paris = { name: 'get_weather', arguments: { city: 'Paris' } };
    expect(checkToolCalls(FUNCTIONS, both, [rome, paris]).correct).toBe(true);
    expect(checkToolCalls(FUNCTIONS, both, [rome, rome]).reason).toMatch(/^no call matches get_weather/);
    expect(checkToolCalls(FUNCTIONS, both, [rome]).reason).toBe('made 1 call(s), expected 2');
  });

  it('counts any call wrong where no function applies, and no call right', () => {
    expect(checkToolCalls(FUNCTIONS, [], [])).toEqual({ correct: true, reason: null });
    expect(checkToolCalls(FUNCTIONS, [], [{ name: 'get_weather', arguments: { city: 'Oslo' } }]).reason).toBe(
      'called get_weather where no function applies',
    );
    expect(checkToolCalls(FUNCTIONS, lisbon, []).reason).toBe('made 0 call(s), expected 1');
  });
});
