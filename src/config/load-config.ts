/**
 * Loads configuration once: explicit options (CLI flags) over GODWIT_* environment variables over the
 * config file over defaults. Environment wins over the file so a deployment can override a checked-in file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { environmentOverrides, variableFor } from './env.ts';
import { configSchema, type GodwitConfig } from './schema.ts';

export interface LoadConfigOptions {
  /** Path of the config file; default GODWIT_CONFIG, else ./godwit.config.yaml when it exists. */
  configPath?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Values from flags, highest precedence (nested like the file). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: GodwitConfig;
  /** The file read, if any. */
  configPath: string | null;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicitPath = options.configPath ?? env.GODWIT_CONFIG;
  const configPath = explicitPath ? resolve(cwd, explicitPath) : resolve(cwd, 'godwit.config.yaml');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(configPath)) {
    fromFile = readConfigFile(configPath);
  } else if (explicitPath) {
    throw new ConfigError(
      `Config file ${configPath} does not exist. Fix the --config path or GODWIT_CONFIG.`,
    );
  }
  const merged = deepMerge(deepMerge(fromFile, environmentOverrides(env)), options.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success)
    throw new ConfigError(describeIssues(parsed.error, existsSync(configPath) ? configPath : null, env));
  const config = parsed.data;
  config.dataDir = resolve(cwd, config.dataDir);
  return { config, configPath: existsSync(configPath) ? configPath : null };
}

function readConfigFile(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      `Config file ${path} must hold a mapping of keys (like "server:"), not a ${typeof value}.`,
    );
  }
  return value as Record<string, unknown>;
}

function describeIssues(
  error: z.ZodError,
  path: string | null,
  env: Record<string, string | undefined>,
): string {
  const lines = error.issues.map((issue) => {
    const variable = variableFor(issue.path, env);
    const key = (issue.path.join('.') || '(root)') + (variable ? ` (from ${variable})` : '');
    const hint =
      issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')}): remove or fix the spelling` : '';
    return `  - ${key}: ${issue.message}${hint}`;
  });
  const where = path ? ` (file ${path}, environment GODWIT_*)` : ' (environment GODWIT_*)';
  return `Invalid configuration${where}:\n${lines.join('\n')}\nSee docs/CONFIGURATION.md for every key.`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(
  base: Record<string, unknown>,
  top: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const existing = result[key];
    result[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return result;
}
