/**
 * The Godwit config the deployed server runs with (deploy setting `config`): its assistants, tools,
 * approvals and knowledge bases. On `compute: fargate` the stack carries the file, with the OpenAPI
 * documents its tools read, in the task definition: one variable holds the files, the container writes
 * them into a fresh directory at start, and `godwit serve` runs there with GODWIT_CONFIG naming the file
 * (docs/decisions/2026-12-07-server-config-in-the-task-definition.md). GODWIT_* variables still win over
 * the file, so the stack's own values (database, Redis, models, auth) apply as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitConfig } from '../../src/config/schema.ts';

/** The container variable holding the carried files: a JSON object, path in the directory → content. */
export const CONFIG_FILES_VARIABLE = 'CONFIG_FILES';
/** The config file's name in that directory (GODWIT_CONFIG, read relative to it). */
export const CONFIG_FILE_NAME = 'godwit.config.yaml';
/**
 * A task definition may be at most 64 KiB (ECS service quotas); the carried files get 48 KiB of it, so the
 * rest of the container definition (variables, secrets, command) keeps room.
 */
export const MAX_CONFIG_FILES_BYTES = 48 * 1024;

export interface ServerConfig {
  /** The file as the deploy command found it (for messages). */
  path: string;
  /** Validated, as the server will read it (without the container's GODWIT_* variables). */
  config: GodwitConfig;
  /** What the container writes: the config (document paths pointing at the copies) and the documents. */
  files: Record<string, string>;
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A host the deployed container reaches as itself, never the machine where the example ran. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

/**
 * Reads and validates the server's config at `path` (relative to `cwd`, the directory `godwit deploy`
 * runs in, which is where relative document paths are read from, as `godwit serve` reads them).
 */
export function readServerConfig(path: string, cwd = process.cwd()): ServerConfig {
  const configPath = resolve(cwd, path);
  if (!existsSync(configPath)) {
    throw new Error(
      `config: ${path} does not exist (looked for ${configPath}). Set config in the deploy settings to the Godwit config file the server should run with, relative to the directory you run godwit deploy in, or remove the key.`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new Error(`config: ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw new Error(`config: ${path} must hold a mapping of keys (like "assistants:").`);
  let config: GodwitConfig;
  try {
    ({ config } = loadConfig({ configPath, env: {}, cwd }));
  } catch (error) {
    throw new Error(`config: ${path} is not a valid Godwit config. ${(error as Error).message}`);
  }

  const carried = structuredClone(raw);
  const files: Record<string, string> = {};
  const tools = isObject(carried.tools) ? carried.tools : {};
  for (const kind of ['openapi', 'lambda'] as const) {
    const sources = isObject(tools[kind]) ? tools[kind] : {};
    for (const [source, settings] of Object.entries(sources)) {
      if (!isObject(settings)) continue;
      const key = `tools.${kind}.${source}`;
      if (kind === 'lambda' && typeof settings.endpoint === 'string') {
        const host = new URL(settings.endpoint).hostname;
        if (LOOPBACK.test(host)) {
          throw new Error(
            `${key}.endpoint is ${settings.endpoint}, a local endpoint the deployed server cannot reach: remove it from ${path} (the server then invokes the function ${String(settings.functionName)} on AWS) and set GODWIT_${['TOOLS', 'LAMBDA', source.toUpperCase(), 'ENDPOINT'].join('__')} where you run it locally.`,
          );
        }
      }
      // A document given by URL is fetched by the server itself; a file is carried beside the config.
      if (typeof settings.document !== 'string') continue;
      const documentPath = resolve(cwd, settings.document);
      if (!existsSync(documentPath)) {
        throw new Error(
          `${key}.document: ${settings.document} does not exist (looked for ${documentPath}; relative paths are read from the directory godwit deploy runs in, as godwit serve reads them). Run godwit deploy from the directory you serve ${path} from, or fix the path.`,
        );
      }
      const copy = `documents/${kind}-${source}${extname(documentPath) || '.yaml'}`;
      files[copy] = readFileSync(documentPath, 'utf8');
      settings.document = copy;
    }
  }
  files[CONFIG_FILE_NAME] =
    `# ${basename(configPath)} as deployed: tool documents are the copies beside it (documents/).\n${JSON.stringify(carried, null, 2)}\n`;
  const size = Buffer.byteLength(JSON.stringify(files));
  if (size > MAX_CONFIG_FILES_BYTES) {
    throw new Error(
      `config: ${path} and the tool documents it names come to ${size} bytes, more than the ${MAX_CONFIG_FILES_BYTES} the task definition can carry (ECS allows 64 KiB per task definition). Give large OpenAPI documents as { url: "https://…" } so the server fetches them, or shorten the descriptions in them.`,
    );
  }
  return { path, config, files };
}

/**
 * The carried config's `models.fallback` runs when the deploy settings list no fallback (the stack then leaves
 * GODWIT_FALLBACK_MODELS unset). Its `bedrock:` entries must be models the task role may invoke; other
 * providers (openai:…) need only their key, from `secrets`.
 */
export function checkFallbackModels(server: ServerConfig, grantedModels: readonly string[]): void {
  const ungranted = server.config.models.fallback.filter(
    (name) => name.startsWith('bedrock:') && !grantedModels.includes(name),
  );
  if (ungranted.length > 0) {
    throw new Error(
      `config: ${server.path} sets models.fallback to ${server.config.models.fallback.join(', ')}, and the task role may not invoke ${ungranted.join(', ')}: list the Bedrock fallback models under models.fallback in the deploy settings too (the stack grants exactly the models listed there).`,
    );
  }
}

/** `functionName` (a name, `name:qualifier`, a partial ARN `account:function:name` or an ARN) → its ARN. */
export function lambdaFunctionArn(functionName: string, region: string | null): string {
  if (functionName.startsWith('arn:')) return functionName;
  const where = `arn:${Aws.PARTITION}:lambda:${region ?? Aws.REGION}`;
  if (/^\d{12}:function:/.test(functionName)) return `${where}:${functionName}`;
  return `${where}:${Aws.ACCOUNT_ID}:function:${functionName}`;
}

/**
 * `lambda:InvokeFunction` on exactly the functions of the config's `tools.lambda` sources (the server invokes
 * them with the action-group event); nothing when there are none.
 */
export function lambdaToolStatements(config: GodwitConfig | null): PolicyStatement[] {
  const arns = [
    ...new Set(
      Object.values(config?.tools.lambda ?? {}).map((source) =>
        lambdaFunctionArn(source.functionName, source.region),
      ),
    ),
  ];
  if (arns.length === 0) return [];
  return [new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: arns })];
}
