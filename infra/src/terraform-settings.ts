/**
 * Deploy settings as the Terraform module names them (snake_case variables in infra/terraform/variables.tf),
 * both ways: a `.tfvars` file is read into deploy settings for the synth, and the settings a template was
 * built from are written into its manifest for the module to compare with its own variables.
 */
import { readFileSync } from 'node:fs';
import { type DeploySettings, parseDeploySettings } from './settings.ts';

/** Module variable → deploy settings key; nested objects map their fields the same way. */
export const TERRAFORM_SETTING_VARIABLES = {
  stack_name: 'stackName',
  compute: 'compute',
  vector_store: 'vectorStore',
  models: 'models',
  auth: 'auth',
  domain: 'domain',
  waf: 'waf',
  secrets: 'secrets',
  alarms: 'alarms',
  budget: 'budget',
  cors: 'cors',
  channels: 'channels',
  managed_agents: 'managedAgents',
  web_app: 'webApp',
  config: 'config',
  retain_data: 'retainData',
} as const satisfies Record<string, keyof DeploySettings>;

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [rename(key), renameKeys(inner, rename)]),
  );
}

/**
 * The settings as the module's variables hold them (every key present, null where unset). One exception:
 * "no embedding model" is `models.embedding = ""` in Terraform, because an optional object attribute
 * with a default cannot be set to null there.
 */
export function terraformSettings(settings: DeploySettings): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(TERRAFORM_SETTING_VARIABLES).map(([variable, key]) => [
      variable,
      key === 'models'
        ? { ...settings.models, embedding: settings.models.embedding ?? '' }
        : renameKeys(settings[key], snakeCase),
    ]),
  );
}

/**
 * Deploy settings from Terraform variable values (as parsed from a tfvars file). Variables that are not
 * Godwit settings (the region, the environment name) are the root configuration's business and ignored.
 */
export function settingsFromTerraformVariables(
  variables: Record<string, unknown>,
  where: string,
): DeploySettings {
  const settings: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(TERRAFORM_SETTING_VARIABLES)) {
    const value = variables[variable];
    // null means "the module's default", as it does for a Terraform variable.
    if (value !== undefined && value !== null) settings[key] = renameKeys(value, camelCase);
  }
  const models = settings.models as { embedding?: unknown } | undefined;
  if (models?.embedding === '') settings.models = { ...models, embedding: null };
  return parseDeploySettings(settings, where, (path) =>
    path.map((part) => snakeCase(String(part))).join('.'),
  );
}

/** Reads a `.tfvars` (HCL) or `.tfvars.json` file into deploy settings. */
export async function readTerraformSettings(path: string): Promise<DeploySettings> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`Terraform variables file ${path} does not exist.`);
  }
  let variables: Record<string, unknown>;
  try {
    if (path.endsWith('.json')) variables = JSON.parse(text) as Record<string, unknown>;
    else {
      const { parse } = await import('@cdktf/hcl2json');
      variables = (await parse(path, text)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new Error(`Terraform variables file ${path} does not parse: ${(error as Error).message}`);
  }
  const expressions = Object.entries(variables)
    .filter(([name, value]) => name in TERRAFORM_SETTING_VARIABLES && JSON.stringify(value).includes('${'))
    .map(([name]) => name);
  if (expressions.length > 0) {
    throw new Error(
      `Terraform variables file ${path}: ${expressions.join(', ')} must be literal values (a tfvars file cannot hold expressions).`,
    );
  }
  return settingsFromTerraformVariables(variables, `Terraform variables in ${path}`);
}
