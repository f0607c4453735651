/**
 * Builds the CDK app: the Godwit stack from deploy settings, checked by cdk-nag's AWS Solutions rules
 * (every finding is fixed or acknowledged with its reason in nag-acknowledgements.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parse as parseYaml } from 'yaml';
import { GodwitStack } from './godwit-stack.ts';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { type DeploySettings, parseDeploySettings } from './settings.ts';
import { terraformSettings } from './terraform-settings.ts';
import { TerraformStackSynthesizer } from './terraform-synthesizer.ts';

export { readTerraformSettings } from './terraform-settings.ts';
export { TERRAFORM_MANIFEST } from './terraform-synthesizer.ts';

/** Who deploys the synthesized stack: the CDK CLI (bootstrapped account) or Terraform (infra/terraform/). */
export type DeployTarget = 'cdk' | 'terraform';

export interface CreateGodwitAppOptions extends AppProps {
  settings?: DeploySettings;
  /** Account and region; default: the CLI's (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION), else agnostic. */
  env?: { account?: string; region?: string };
  /** Default cdk. terraform: no bootstrap; asset bucket and prefix are template parameters. */
  target?: DeployTarget;
}

export function createGodwitApp(options: CreateGodwitAppOptions = {}): { app: App; stack: GodwitStack } {
  const { settings: given, env, target = 'cdk', ...appProps } = options;
  const app = new App(appProps);
  const settings = given ?? parseDeploySettings(app.node.tryGetContext('godwit'), 'CDK context "godwit"');
  const stack = new GodwitStack(app, settings.stackName, {
    settings,
    description: 'Godwit: AI assistant server with retrieval and citations',
    ...(target === 'terraform'
      ? { synthesizer: new TerraformStackSynthesizer({ settings: terraformSettings(settings) }) }
      : {}),
    ...(env?.account || env?.region ? { env } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeFindings(stack, settings);
  return { app, stack };
}

/** Reads deploy settings from a YAML or JSON file; a missing file means defaults. */
export function readDeploySettings(path: string | undefined): DeploySettings {
  if (!path || !existsSync(path)) {
    if (path && !path.endsWith('godwit.deploy.yaml'))
      throw new Error(`Deploy settings file ${path} does not exist.`);
    return parseDeploySettings({});
  }
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Deploy settings file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return parseDeploySettings(value, `deploy settings in ${path}`);
}
