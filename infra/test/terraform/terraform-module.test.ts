/**
 * The Terraform module (infra/terraform/) and its example (examples/terraform/), checked without a
 * Terraform binary: HashiCorp's HCL parser reads every file, and the module's own validation rules and
 * type defaults are evaluated (hcl-expression.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { deploySettingsSchema, parseDeploySettings } from '../../src/settings.ts';
import { TERRAFORM_SETTING_VARIABLES, terraformSettings } from '../../src/terraform-settings.ts';
import { canonical, evaluate } from './hcl-expression.ts';
import {
  expressions,
  loadConfiguration,
  parseHcl,
  references,
  type TerraformConfiguration,
  validationFailures,
  variableValues,
  withLocals,
} from './terraform-config.ts';
import { ENVIRONMENTS, EXAMPLE_DIR, exampleInputs, MODULE_DIR } from './terraform-example.ts';

let module: TerraformConfiguration;
let example: TerraformConfiguration;

beforeAll(async () => {
  module = await loadConfiguration(MODULE_DIR);
  example = await loadConfiguration(EXAMPLE_DIR);
});

const environmentInputs = (environment: string) => exampleInputs(example, module, environment);

/** Every reference in the configuration that names nothing it declares. */
function unresolvedReferences(configuration: TerraformConfiguration): string[] {
  const declared = new Set([
    ...Object.keys(configuration.variables).map((name) => `var.${name}`),
    ...Object.keys(configuration.locals).map((name) => `local.${name}`),
    ...Object.keys(configuration.resources),
    ...Object.keys(configuration.data).map((name) => `data.${name}`),
    ...Object.keys(configuration.modules).map((name) => `module.${name}`),
  ]);
  return [...new Set(expressions(configuration.files).flatMap(references))].filter(
    (name) => !declared.has(name),
  );
}

/** Variables no expression outside their own block reads. */
function unusedVariables(configuration: TerraformConfiguration): string[] {
  const outside = Object.values(configuration.files).map(({ variable: _, ...rest }) => rest);
  const used = new Set(expressions(outside).flatMap(references));
  return Object.keys(configuration.variables).filter((name) => !used.has(`var.${name}`));
}

describe('the Terraform module', () => {
  it('parses, and declares every variable with a type and a description', () => {
    expect(Object.keys(module.files).sort()).toEqual([
      'main.tf',
      'outputs.tf',
      'variables.tf',
      'versions.tf',
    ]);
    for (const [name, variable] of Object.entries(module.variables)) {
      expect(variable.description, `variable ${name}`).toMatch(/\S{3,}/);
      expect(variable.type, `variable ${name}`).toBeDefined();
    }
    for (const [name, output] of Object.entries(module.outputs)) {
      expect(output.description, `output ${name}`).toMatch(/\S{3,}/);
    }
  });

  it('uses every variable and resolves every reference', () => {
    expect(unusedVariables(module)).toEqual([]);
    expect(unresolvedReferences(module)).toEqual([]);
  });

  it('has a variable for every deploy setting, compared with what the template was built from', () => {
    const settingKeys = Object.keys(deploySettingsSchema.shape).sort();
    expect(Object.values(TERRAFORM_SETTING_VARIABLES).sort()).toEqual(settingKeys);
    const compared = module.locals.settings as Record<string, string>;
    expect(Object.keys(compared).sort()).toEqual(Object.keys(TERRAFORM_SETTING_VARIABLES).sort());
    for (const [variable, expression] of Object.entries(compared)) {
      expect(module.variables[variable], variable).toBeDefined();
      expect(expression).toBe(`\${var.${variable}}`);
    }
  });

  it('defaults every setting to the CDK app default', () => {
    const values = variableValues(module, { synth_dir: '/tmp/out' });
    const settings = evaluate(module.locals.settings, { var: values });
    expect(canonical(settings)).toBe(canonical(terraformSettings(parseDeploySettings({}))));
    expect(validationFailures(module, values)).toEqual([]);
  });

  it('reports settings the template was not built with, by name', () => {
    const manifest = { settings: terraformSettings(parseDeploySettings({})) };
    const drift = (inputs: Record<string, unknown>) => {
      const values = variableValues(module, { synth_dir: '/tmp/out', ...inputs });
      return (withLocals(module, { var: values }, { manifest }).local as Record<string, unknown>)
        .settings_drift;
    };
    expect(drift({})).toEqual([]);
    expect(drift({ vector_store: 'opensearch', alarms: { daily_cost_usd: 5 } })).toEqual([
      'alarms',
      'vector_store',
    ]);
    expect(drift({ web_app: { enabled: false } })).toEqual(['web_app']);
  });

  const rejected: [string, unknown, RegExp][] = [
    ['compute', 'ec2', /compute must be "lambda" or "fargate"/],
    ['vector_store', 'pinecone', /vector_store must be/],
    ['stack_name', '1godwit', /stack_name must start with a letter/],
    ['models', { default: 'openai:gpt-4.1' }, /models.default, models.fallback/],
    ['models', { fallback: ['claude'] }, /models.default, models.fallback/],
    ['auth', { jwt_issuer: 'https://id.example.com' }, /auth.jwt_audience must be set/],
    ['auth', { jwt_issuer: 'id.example.com', jwt_audience: 'app' }, /auth.jwt_issuer must be the issuer URL/],
    ['domain', { name: 'chat.example.com', certificate_arn: 'cert-1' }, /domain.certificate_arn/],
    ['secrets', ['openai_api_key'], /secrets must be an environment variable name/],
    ['alarms', { email: 'not-an-address' }, /alarms.email must be an email address/],
    ['alarms', { p99_latency_ms: 2.5 }, /whole number of milliseconds/],
    ['alarms', { error_rate_percent: 150 }, /at most 100/],
    ['budget', { monthly_usd: 0 }, /budget.monthly_usd must be above 0/],
    ['assets_bucket', 'My_Bucket', /assets_bucket must be an S3 bucket name/],
    ['assets_key_prefix', 'godwit', /assets_key_prefix must be empty or end with/],
    ['container_image', 'godwit:latest', /container_image must be an ECR image URI/],
    ['cloudformation_role_arn', 'deployer', /cloudformation_role_arn must be an IAM role ARN/],
    ['synth_dir', ' ', /synth_dir must be the directory/],
    [
      'web_app',
      {
        domain: {
          name: 'chat.example.com',
          certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
        },
      },
      /web_app.domain.certificate_arn an ACM certificate ARN in us-east-1/,
    ],
  ];
  it.each(rejected)('rejects %s = %j with its message', (name, value, message) => {
    const failures = validationFailures(
      module,
      variableValues(module, { synth_dir: '/tmp/out', [name]: value }),
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(message);
  });

  it('accepts the values the settings accept', () => {
    const values = variableValues(module, {
      synth_dir: 'cdk.out',
      assets_bucket: 'team-artifacts',
      assets_key_prefix: '',
      compute: 'fargate',
      models: { embedding: '', fallback: ['bedrock:arn:aws:bedrock:us-east-1::foundation-model/x'] },
      auth: { jwt_issuer: 'https://id.example.com/', jwt_audience: 'app' },
      domain: {
        name: 'chat.example.com',
        certificate_arn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
      },
      container_image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/godwit:v1',
      cloudformation_role_arn: 'arn:aws:iam::123456789012:role/cfn-exec',
      alarms: { email: 'ops@example.com', p99_latency_ms: 5000, error_rate_percent: 100 },
      web_app: {
        domain: {
          name: 'chat.example.com',
          certificate_arn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
        },
      },
    });
    expect(validationFailures(module, values)).toEqual([]);
    expect(withLocals(module, { var: values }).local).toMatchObject({ container_repository: 'team/godwit' });
  });
  it('keeps the created bucket prefix within S3 limits for the longest stack name', () => {
    const values = variableValues(module, { synth_dir: 'cdk.out', stack_name: `G${'o'.repeat(127)}` });
    const prefix = evaluate(module.resources['aws_s3_bucket.assets']!.bucket_prefix, {
      var: values,
    }) as string;
    expect(prefix.length).toBeLessThanOrEqual(37);
    expect(prefix).toMatch(/^[a-z0-9-]+$/);
  });
});

describe('the Terraform example', () => {
  it('parses, describes, uses and resolves everything, with an S3 backend', () => {
    expect(unusedVariables(example)).toEqual([]);
    expect(unresolvedReferences(example)).toEqual([]);
    for (const [name, variable] of Object.entries(example.variables)) {
      expect(variable.description, `variable ${name}`).toMatch(/\S{3,}/);
    }
    const terraformBlock = (
      example.files['main.tf']!.terraform as { backend: Record<string, unknown> }[]
    )[0]!;
    expect(Object.keys(terraformBlock.backend)).toEqual(['s3']);
    expect(example.modules.godwit!.source).toBe('../../infra/terraform');
  });

  it('passes every module input the module declares', () => {
    const inputs = Object.keys(example.modules.godwit!).filter((name) => name !== 'source');
    expect(inputs.filter((name) => !(name in module.variables))).toEqual([]);
    for (const setting of Object.keys(TERRAFORM_SETTING_VARIABLES)) expect(inputs).toContain(setting);
  });

  it.each(ENVIRONMENTS)(
    '%s: tfvars set declared variables only, and pass the module validation',
    async (environment) => {
      expect(ENVIRONMENTS).toEqual(['dev', 'prod']);
      const { rootValues, moduleValues } = await environmentInputs(environment);
      expect(validationFailures(example, rootValues)).toEqual([]);
      expect(validationFailures(module, moduleValues)).toEqual([]);
      expect(moduleValues.assets_key_prefix).toBe(`godwit/${environment}/`);
    },
  );

  it.each(ENVIRONMENTS)(
    '%s: the backend file sets the S3 backend with a DynamoDB lock table',
    async (environment) => {
      const backend = await parseHcl(join(EXAMPLE_DIR, 'environments', environment, 'backend.hcl'));
      expect(Object.keys(backend).sort()).toEqual(['bucket', 'dynamodb_table', 'encrypt', 'key', 'region']);
      expect(backend.key).toBe(`godwit/${environment}/terraform.tfstate`);
    },
  );

  it('has a workflow that synthesizes, then plans and applies each environment with its own files', () => {
    const workflow = parseYaml(readFileSync(join(EXAMPLE_DIR, 'github-actions-deploy.yml'), 'utf8')) as {
      jobs: Record<string, { defaults: { run: { 'working-directory': string } }; steps: { run?: string }[] }>;
    };
    expect(Object.keys(workflow.jobs)).toEqual(['dev', 'prod']);
    for (const [environment, job] of Object.entries(workflow.jobs)) {
      expect(job.defaults.run['working-directory']).toBe('examples/terraform');
      const commands = job.steps.flatMap((step) => (step.run ? [step.run] : []));
      const synth = commands.findIndex((command) => command.includes('deploy synth --for terraform'));
      const plan = commands.findIndex((command) => command.startsWith('terraform plan'));
      const apply = commands.findIndex((command) => command.startsWith('terraform apply'));
      expect(synth).toBeGreaterThanOrEqual(0);
      expect(plan).toBeGreaterThan(synth);
      expect(apply).toBeGreaterThan(plan);
      const files = commands.flatMap((command) => [
        ...command.matchAll(/(?:--settings |-backend-config=|-var-file=)(\S+)/g),
      ]);
      expect(files.length).toBe(3);
      for (const [, file] of files) {
        expect(file).toContain(`environments/${environment}/`);
        expect(existsSync(join(EXAMPLE_DIR, file!)), file).toBe(true);
      }
      expect(existsSync(join(EXAMPLE_DIR, '../../bin/godwit.js'))).toBe(true);
    }
  });

  it('refuses a tfvars file that sets a variable the example does not declare', () => {
    expect(() => variableValues(example, { vectorstore: 'aurora' })).toThrow(
      /Undeclared variables: vectorstore/,
    );
    expect(() => variableValues(module, { synth_dir: 'x', models: { defualt: 'bedrock:x' } })).toThrow(
      /unsupported attribute defualt/,
    );
  });
});
