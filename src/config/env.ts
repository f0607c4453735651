/**
 * GODWIT_* environment variables. The named ones from the product contract always work; any other key is
 * reachable as GODWIT_<SECTION>__<KEY> in upper snake case (GODWIT_INGEST__MAX_FILE_BYTES=1000000).
 */
import { ConfigError } from '../core/errors.ts';

type Parse = (raw: string, variable: string) => unknown;

const text: Parse = (raw) => raw;
const nullableText: Parse = (raw) => (raw.trim() === '' ? null : raw);
const list: Parse = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const NAMED: Record<string, { path: string[]; parse: Parse }> = {
  GODWIT_DATA_DIR: { path: ['dataDir'], parse: text },
  GODWIT_HOST: { path: ['server', 'host'], parse: text },
  GODWIT_PORT: { path: ['server', 'port'], parse: (raw, variable) => parseScalar(raw, variable) },
  GODWIT_MODEL: { path: ['models', 'default'], parse: text },
  GODWIT_FALLBACK_MODELS: { path: ['models', 'fallback'], parse: list },
  GODWIT_EMBEDDING_MODEL: { path: ['models', 'embedding'], parse: nullableText },
  GODWIT_DATABASE_URL: { path: ['database', 'url'], parse: nullableText },
  GODWIT_REDIS_URL: { path: ['redis', 'url'], parse: nullableText },
};

/** Variables that are not config keys (read elsewhere or by tests). */
const RESERVED = new Set([
  'GODWIT_CONFIG',
  'GODWIT_REQUIRE_SERVICES',
  'GODWIT_LOG_LEVEL',
  'GODWIT_API_KEY',
  // How long the CLI waits for a running server (src/cli/timed-fetch.ts).
  'GODWIT_CLIENT_TIMEOUT_MS',
  // Whether the command optimizes the embedded database's hot WebAssembly (bin/godwit.js).
  'GODWIT_WASM_OPTIMIZE',
  // Secrets Manager ARNs that the Lambda entry points read into variables (src/runtime/lambda).
  'GODWIT_SECRET_ARNS',
]);

/** The API key the CLI sends to a running server that requires one (GODWIT_API_KEY); never a config key. */
export function clientApiKey(env: Record<string, string | undefined> = process.env): string | null {
  const value = env.GODWIT_API_KEY?.trim();
  return value ? value : null;
}

export function environmentOverrides(env: Record<string, string | undefined>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith('GODWIT_') || raw === undefined || RESERVED.has(variable)) continue;
    const named = NAMED[variable];
    if (named) {
      setPath(result, named.path, named.parse(raw, variable));
      continue;
    }
    const path = variable
      .slice('GODWIT_'.length)
      .split('__')
      .map((segment) => camelCase(segment));
    if (path.length < 2 && !['sample'].includes(path[0] ?? '')) {
      throw new ConfigError(
        `Unknown environment variable ${variable}. Named variables: ${Object.keys(NAMED).join(', ')}; other keys use GODWIT_SECTION__KEY.`,
      );
    }
    setPath(result, path, parseScalar(raw, variable));
  }
  return result;
}

/** The variable that set a config key, for error messages: ['server','port'] → GODWIT_PORT. */
export function variableFor(
  path: readonly (string | number | symbol)[],
  env: Record<string, string | undefined>,
): string | null {
  // A list item (`server.cors.allowedOrigins.0`) came from the list's variable.
  if (path.length > 1 && /^\d+$/.test(String(path.at(-1)))) {
    const listVariable = variableFor(path.slice(0, -1), env);
    if (listVariable) return listVariable;
  }
  const key = path.map(String).join('.');
  for (const [variable, named] of Object.entries(NAMED)) {
    if (named.path.join('.') === key && env[variable] !== undefined) return variable;
  }
  const generic = `GODWIT_${path
    .map((segment) =>
      String(segment)
        .replace(/[A-Z]/g, (letter) => `_${letter}`)
        .toUpperCase(),
    )
    .join('__')}`;
  return env[generic] !== undefined ? generic : null;
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** Numbers, booleans and null are recognised; anything else stays a string for the schema to judge. */
function parseScalar(raw: string, _variable: string): unknown {
  const value = raw.trim();
  // An integer too large for a number (a Discord id) stays text, digit for digit.
  if (/^-?\d+$/.test(value)) return Number.isSafeInteger(Number(value)) ? Number(value) : raw;
  if (/^-?\d+\.\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 'null' || value === '') return null;
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}
