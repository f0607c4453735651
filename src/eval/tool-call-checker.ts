/**
 * Structural matching of a model's tool calls against the acceptable calls of a tool-calling item, with the
 * rules of the Berkeley Function-Calling Leaderboard's AST checker: the function name must match; every
 * required argument must be present and no undeclared one may appear; each value must have the declared
 * JSON Schema type (an integer is accepted where a number is declared, nothing else is coerced) and be one
 * of the acceptable values (strings compared without case, spaces or punctuation); an optional argument
 * may be left out when "" is among its acceptable values. Parallel calls match in any order.
 */

/** A function offered to the model: a name, a description and JSON Schema parameters. */
export interface ToolFunction {
  name: string;
  description: string;
  parameters: {
    type: 'object';
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
}

export interface JsonSchema {
  type?: string;
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** One acceptable call: per argument, the values that are right ("" allows leaving it out). */
export type AcceptableCall = Record<string, Record<string, unknown[]>>;

export interface ModelToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface CallCheck {
  correct: boolean;
  /** Why the calls are wrong, for the report; null when they are right. */
  reason: string | null;
}

const RIGHT: CallCheck = { correct: true, reason: null };
const wrong = (reason: string): CallCheck => ({ correct: false, reason });

/**
 * Checks the calls a model made against the acceptable ones. With no acceptable call (an irrelevance
 * item), any call is wrong.
 *
 * @example checkToolCalls(functions, [{ get_weather: { city: ['Lisbon'] } }], [{ name: 'get_weather', arguments: { city: 'lisbon' } }]) // { correct: true, reason: null }
 */
export function checkToolCalls(
  functions: readonly ToolFunction[],
  acceptable: readonly AcceptableCall[],
  calls: readonly ModelToolCall[],
): CallCheck {
  if (acceptable.length === 0) {
    return calls.length === 0
      ? RIGHT
      : wrong(`called ${calls.map((call) => call.name).join(', ')} where no function applies`);
  }
  if (calls.length !== acceptable.length) {
    return wrong(`made ${calls.length} call(s), expected ${acceptable.length}`);
  }
  // Parallel calls: each expected call must be matched by a different actual call, whatever the order.
  const unused = new Set(calls.keys());
  for (const expected of acceptable) {
    let lastReason = 'no call matches';
    let matched = -1;
    for (const index of unused) {
      const check = checkOneCall(functions, expected, calls[index]!);
      if (check.correct) {
        matched = index;
        break;
      }
      lastReason = check.reason ?? lastReason;
    }
    if (matched < 0) {
      return wrong(
        acceptable.length === 1 ? lastReason : `no call matches ${describe(expected)}: ${lastReason}`,
      );
    }
    unused.delete(matched);
  }
  return RIGHT;
}

function describe(expected: AcceptableCall): string {
  return Object.keys(expected)[0] ?? '(nothing)';
}

/** One call against one acceptable call. */
export function checkOneCall(
  functions: readonly ToolFunction[],
  expected: AcceptableCall,
  call: ModelToolCall,
): CallCheck {
  const [name, values] = Object.entries(expected)[0] ?? [];
  if (!name || !values) return wrong('the item has an empty acceptable call');
  if (call.name !== name) return wrong(`called ${call.name}, expected ${name}`);
  const definition = functions.find((candidate) => candidate.name === name);
  if (!definition) return wrong(`${name} is not among the offered functions`);
  const properties = definition.parameters.properties;
  for (const required of definition.parameters.required ?? []) {
    if (!(required in call.arguments)) return wrong(`${name}: missing required argument "${required}"`);
  }
  for (const [argument, value] of Object.entries(call.arguments)) {
    const schema = properties[argument];
    if (!schema) return wrong(`${name}: unexpected argument "${argument}"`);
    const typeProblem = checkType(value, schema);
    if (typeProblem) return wrong(`${name}: argument "${argument}" ${typeProblem}`);
    const allowed = values[argument];
    if (!allowed) return wrong(`${name}: unexpected argument "${argument}"`);
    if (!allowed.some((candidate) => candidate !== '' && sameValue(value, candidate))) {
      return wrong(
        `${name}: argument "${argument}" is ${JSON.stringify(value)}, expected one of ${JSON.stringify(allowed.filter((candidate) => candidate !== ''))}`,
      );
    }
  }
  for (const [argument, allowed] of Object.entries(values)) {
    if (!(argument in call.arguments) && !allowed.includes('')) {
      return wrong(`${name}: missing argument "${argument}"`);
    }
  }
  return RIGHT;
}

/** The JSON Schema type check; returns what is wrong, or null. */
export function checkType(value: unknown, schema: JsonSchema): string | null {
  const type = schema.type;
  if (type === undefined) return null;
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? null
        : `should be an integer, got ${actual}`;
    case 'number':
      // As BFCL accepts a Python int for a float: 3 is a fine number.
      return typeof value === 'number' && Number.isFinite(value) ? null : `should be a number, got ${actual}`;
    case 'string':
    case 'boolean':
      return typeof value === type ? null : `should be a ${type}, got ${actual}`;
    case 'array': {
      if (!Array.isArray(value)) return `should be an array, got ${actual}`;
      if (!schema.items) return null;
      for (const [index, element] of value.entries()) {
        const problem = checkType(element, schema.items);
        if (problem) return `[${index}] ${problem}`;
      }
      return null;
    }
    case 'object':
      return actual === 'object' ? null : `should be an object, got ${actual}`;
    default:
      return null;
  }
}

/** Equality after BFCL's normalisation: strings without case, spaces and , . / - _ * ^; numbers by value. */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    return normalizeString(actual) === normalizeString(expected);
  }
  if (typeof actual === 'number' && typeof expected === 'number') return actual === expected;
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return (
      actual.length === expected.length &&
      actual.every((element, index) => sameValue(element, expected[index]))
    );
  }
  if (isRecord(actual) && isRecord(expected)) {
    const keys = Object.keys(expected);
    return (
      Object.keys(actual).length === keys.length &&
      keys.every((key) => key in actual && sameValue(actual[key], expected[key]))
    );
  }
  return actual === expected;
}

function normalizeString(text: string): string {
  return text.toLowerCase().replace(/[\s,./\-_*^'"]/g, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
