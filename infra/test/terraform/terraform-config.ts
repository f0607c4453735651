/**
 * Reads a Terraform configuration directory with HashiCorp's own HCL parser (`@cdktf/hcl2json`, Go's
 * hcl compiled to WebAssembly) and gives tests its variables, locals, resources and outputs, with the
 * inputs converted and validated as Terraform would (see hcl-expression.ts for what is evaluated).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { convert, evaluate, parseType, type Scope } from './hcl-expression.ts';

export interface VariableBlock {
  description?: string;
  type?: string;
  default?: unknown;
  nullable?: boolean;
  validation?: { condition: string; error_message: string }[];
}

type Blocks = Record<string, Record<string, unknown>[]>;

export interface TerraformConfiguration {
  dir: string;
  /** Parsed files by name, as hcl2json returns them. */
  files: Record<string, Record<string, unknown>>;
  variables: Record<string, VariableBlock>;
  locals: Record<string, unknown>;
  /** `type.name` → block. */
  resources: Record<string, Record<string, unknown>>;
  data: Record<string, Record<string, unknown>>;
  outputs: Record<string, { description?: string; value: unknown }>;
  modules: Record<string, Record<string, unknown>>;
}

export async function parseHcl(path: string): Promise<Record<string, unknown>> {
  return (await parse(path, readFileSync(path, 'utf8'))) as Record<string, unknown>;
}

export async function loadConfiguration(dir: string): Promise<TerraformConfiguration> {
  const configuration: TerraformConfiguration = {
    dir,
    files: {},
    variables: {},
    locals: {},
    resources: {},
    data: {},
    outputs: {},
    modules: {},
  };
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.tf'))
    .sort()) {
    const file = await parseHcl(join(dir, name));
    configuration.files[name] = file;
    for (const [variable, [block]] of Object.entries((file.variable ?? {}) as Blocks)) {
      configuration.variables[variable] = block as VariableBlock;
    }
    for (const block of (file.locals ?? []) as Record<string, unknown>[])
      Object.assign(configuration.locals, block);
    for (const [kind, target] of [
      ['resource', configuration.resources],
      ['data', configuration.data],
    ] as const) {
      for (const [type, named] of Object.entries((file[kind] ?? {}) as Record<string, Blocks>)) {
        for (const [resourceName, [block]] of Object.entries(named))
          target[`${type}.${resourceName}`] = block!;
      }
    }
    for (const [output, [block]] of Object.entries((file.output ?? {}) as Blocks)) {
      configuration.outputs[output] = block as { description?: string; value: unknown };
    }
    for (const [module, [block]] of Object.entries((file.module ?? {}) as Blocks)) {
      configuration.modules[module] = block!;
    }
  }
  return configuration;
}

/**
 * The variables' values for these inputs, as Terraform resolves them: undeclared inputs and missing
 * required ones throw; a null input to a `nullable = false` variable takes the default; types convert.
 */
export function variableValues(
  configuration: TerraformConfiguration,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const undeclared = Object.keys(inputs).filter((name) => !(name in configuration.variables));
  if (undeclared.length > 0) throw new Error(`Undeclared variables: ${undeclared.join(', ')}`);
  return Object.fromEntries(
    Object.entries(configuration.variables).map(([name, block]) => {
      const given = inputs[name];
      const useDefault = given === undefined || (given === null && block.nullable === false);
      if (useDefault && !('default' in block)) throw new Error(`Variable ${name} is required`);
      const value = useDefault ? block.default : given;
      return [name, block.type ? convert(value, parseType(block.type), `var.${name}`) : value];
    }),
  );
}

/** Error messages of the validation rules these values fail (a rule that cannot be evaluated throws). */
export function validationFailures(
  configuration: TerraformConfiguration,
  values: Record<string, unknown>,
): string[] {
  return Object.entries(configuration.variables).flatMap(([name, block]) =>
    (block.validation ?? [])
      .filter((rule) => evaluate(rule.condition, { var: values }) !== true)
      .map((rule) => `${name}: ${rule.error_message}`),
  );
}

/**
 * A scope whose `local` evaluates the configuration's locals on demand, in the given scope; `overrides`
 * stand in for locals that read what a test provides itself.
 */
export function withLocals(
  configuration: TerraformConfiguration,
  scope: Scope,
  overrides: Record<string, unknown> = {},
): Scope {
  const cache = new Map<string, unknown>(Object.entries(overrides));
  const local: Record<string, unknown> = {};
  const full: Scope = { ...scope, local };
  for (const name of Object.keys(configuration.locals)) {
    Object.defineProperty(local, name, {
      enumerable: true,
      get: () => {
        if (!cache.has(name)) cache.set(name, evaluate(configuration.locals[name], full));
        return cache.get(name);
      },
    });
  }
  return full;
}

/** Every `${…}` expression text anywhere under a parsed value. */
export function expressions(value: unknown): string[] {
  if (typeof value === 'string') return value.includes('${') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (value && typeof value === 'object') return Object.values(value).flatMap(expressions);
  return [];
}

/** References in expression text: `var.x`, `local.x`, `module.x`, `data.t.n`, `aws_t.n`. */
export function references(text: string): string[] {
  // String literals inside expressions are not references ("${var.x}" nested templates aside).
  const code = text.replace(/"(?:[^"\\$]|\\.|\$(?!\{))*"/g, '""');
  return [
    ...code.matchAll(
      /\b(?:var|local|module)\.[a-z_][a-z0-9_]*|\bdata\.[a-z0-9_]+\.[a-z0-9_]+|(?<!data\.)\baws_[a-z0-9_]+\.[a-z_][a-z0-9_]*/g,
    ),
  ].map((match) => match[0]);
}
