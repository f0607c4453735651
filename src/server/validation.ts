/**
 * Turns zod issues into messages that name the field and what was expected
 * (`k: expected a whole number from 1 to 100`), and the validation hook every route shares.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.ts';

type Issue = z.core.$ZodIssue;

/** `filter.sources[0]`; the whole input is called after its location (`body`, `query`). */
export function formatPath(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path
    .map((segment, position) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return position === 0 ? String(segment) : `.${String(segment)}`;
    })
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function describeBound(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const atLeast = issue.code === 'too_small';
  if (issue.origin === 'string') return `expected ${atLeast ? 'at least' : 'at most'} ${limit} characters`;
  if (issue.origin === 'array') return `expected ${atLeast ? 'at least' : 'at most'} ${limit} items`;
  const relation = atLeast ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
  return `expected a number ${relation} ${limit}`;
}

/** One issue as `path: what was expected`. Schema messages starting with "expected" are kept as written. */
export function describeIssue(issue: Issue, input: unknown, root: string): string {
  const path = formatPath(issue.path, root);
  const value = valueAt(input, issue.path);
  const custom = issue.message.startsWith('expected ') ? issue.message : undefined;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined && issue.path.length > 0) {
        return `${path}: is required (${custom ?? `expected ${article(issue.expected)}`})`;
      }
      return `${path}: ${custom ?? `expected ${article(issue.expected)}`}, got ${describeValue(value)}`;
    case 'unrecognized_keys': {
      const names = issue.keys.map((key) => `"${key}"`).join(', ');
      return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${names}; check the spelling against GET /openapi.json`;
    }
    case 'too_small':
    case 'too_big':
      return `${path}: ${custom ?? describeBound(issue)}`;
    case 'invalid_value':
      return `${path}: ${custom ?? `expected one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}`}`;
    case 'invalid_format':
      return `${path}: ${custom ?? `expected ${article(issue.format)}`}`;
    default:
      return `${path}: ${issue.message}`;
  }
}

const ROOT_NAMES: Record<string, string> = { json: 'body', query: 'query', param: 'path', form: 'form' };

/** A ValidationError listing every issue: the message has them all, `details.issues` one per field. */
export function toValidationError(error: z.ZodError, input: unknown, target: string): ValidationError {
  const root = ROOT_NAMES[target] ?? target;
  const issues = error.issues.map((issue) => ({
    path: formatPath(issue.path, root),
    message: describeIssue(issue, input, root),
  }));
  return new ValidationError(issues.map((issue) => issue.message).join('; '), { details: { issues } });
}

/**
 * The `defaultHook` of the app: throws so that `app.onError` renders every validation failure the same
 * way. The validator passes the raw input as `data` even on failure; it names the received value.
 */
export function validationHook(
  result: { success: boolean; target: string; error?: z.ZodError; data?: unknown },
  _context: Context,
): void {
  if (!result.success && result.error) throw toValidationError(result.error, result.data, result.target);
}
