/** Paths of the module and its example, and the example's inputs per environment as Terraform resolves them. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../../src/lambda-bundle.ts';
import { evaluate } from './hcl-expression.ts';
import { parseHcl, type TerraformConfiguration, variableValues } from './terraform-config.ts';

export const MODULE_DIR = join(REPOSITORY_ROOT, 'infra/terraform');
export const EXAMPLE_DIR = join(REPOSITORY_ROOT, 'examples/terraform');
export const ENVIRONMENTS = readdirSync(join(EXAMPLE_DIR, 'environments')).sort();

export const tfvarsPath = (environment: string) =>
  join(EXAMPLE_DIR, 'environments', environment, 'terraform.tfvars');

/** The root variables from an environment's tfvars, and the module's variables the example passes on. */
export async function exampleInputs(
  example: TerraformConfiguration,
  module: TerraformConfiguration,
  environment: string,
  overrides: Record<string, unknown> = {},
) {
  const tfvars = await parseHcl(tfvarsPath(environment));
  const rootValues = variableValues(example, { ...tfvars, ...overrides });
  const moduleInputs = Object.fromEntries(
    Object.entries(example.modules.godwit!)
      .filter(([name]) => name !== 'source')
      .map(([name, value]) => [name, evaluate(value, { var: rootValues })]),
  );
  return { tfvars, rootValues, moduleValues: variableValues(module, moduleInputs) };
}
