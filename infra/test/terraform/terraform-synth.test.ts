/**
 * `godwit deploy synth --for terraform` and the module together: a real synth (bundled Lambda code) from
 * the example's dev tfvars, then the module's own locals, resource arguments, preconditions and outputs
 * evaluated against what the synth wrote.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { captureOutput } from '../../../test/support/capture-output.ts';
import { createGodwitApp } from '../../src/app.ts';
import { parseDeploySettings } from '../../src/settings.ts';
import { readTerraformSettings } from '../../src/terraform-settings.ts';
import { TERRAFORM_MANIFEST, type TerraformManifest } from '../../src/terraform-synthesizer.ts';
import { evaluate, type Scope } from './hcl-expression.ts';
import { loadConfiguration, type TerraformConfiguration, withLocals } from './terraform-config.ts';
import { EXAMPLE_DIR, exampleInputs, MODULE_DIR, tfvarsPath } from './terraform-example.ts';

interface Template {
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

const workDir = mkdtempSync(join(tmpdir(), 'godwit-terraform-'));
const out = join(workDir, 'cdk.out');
const CREATED_BUCKET = 'godwit-dev-assets-20261207';
let module: TerraformConfiguration;
let example: TerraformConfiguration;
let template: Template;

beforeAll(async () => {
  module = await loadConfiguration(MODULE_DIR);
  example = await loadConfiguration(EXAMPLE_DIR);
  const output = captureOutput();
  const code = await main(
    ['deploy', 'synth', '--for', 'terraform', '--settings', tfvarsPath('dev'), '--out', out],
    output.output,
  );
  if (code !== 0) throw new Error(`synth failed: ${output.stderr()}`);
  template = JSON.parse(readFileSync(join(out, 'Godwit-dev.template.json'), 'utf8')) as Template;
}, 300_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** The module's scope for the dev environment: its variables, the resources Terraform would have created. */
async function moduleScope(
  environment: string,
  options: { synthDir?: string; overrides?: Record<string, unknown>; locals?: Record<string, unknown> } = {},
): Promise<Scope> {
  const { moduleValues } = await exampleInputs(example, module, environment, options.overrides);
  const values: Record<string, unknown> = { ...moduleValues, synth_dir: options.synthDir ?? out };
  return withLocals(
    module,
    {
      var: values,
      aws_s3_bucket: { assets: values.assets_bucket === null ? [{ id: CREATED_BUCKET }] : [] },
      data: {
        aws_s3_bucket: {
          assets: {
            bucket_regional_domain_name: `${CREATED_BUCKET}.s3.us-east-1.amazonaws.com`,
            region: 'us-east-1',
          },
        },
      },
    },
    options.locals,
  );
}

function preconditions(scope: Scope): { condition: boolean; message: string }[] {
  const stack = module.resources['aws_cloudformation_stack.godwit']!;
  const lifecycle = (
    stack.lifecycle as { precondition: { condition: string; error_message: string }[] }[]
  )[0]!;
  return lifecycle.precondition.map((rule) => {
    const condition = evaluate(rule.condition, scope) as boolean;
    return { condition, message: condition ? '' : String(evaluate(rule.error_message, scope)) };
  });
}

/**
 * S3 keys, after the key prefix, of every asset the template reads: the functions' and layers' code and
 * the web app files BucketDeployment copies (each written as prefix + key).
 */
function codeKeys(source: Template): string[] {
  const keys: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    const [first, key] = join?.[1] ?? [];
    if ((first as { Ref?: string } | undefined)?.Ref === 'AssetsKeyPrefix' && typeof key === 'string') {
      keys.push(key);
      return;
    }
    for (const inner of Object.values(value)) visit(inner);
  };
  visit(source.Resources);
  return keys;
}

describe('godwit deploy synth --for terraform', () => {
  it('writes the manifest, the template and a zip of each bundle, with no bootstrap parameter', () => {
    const manifest = JSON.parse(readFileSync(join(out, TERRAFORM_MANIFEST), 'utf8')) as TerraformManifest;
    expect(manifest.template).toBe('Godwit-dev.template.json');
    expect(Object.keys(template.Parameters ?? {}).sort()).toEqual(manifest.parameters);
    expect(manifest.parameters).toEqual(['AssetsBucketName', 'AssetsKeyPrefix']);
    expect(JSON.stringify(template)).not.toMatch(/BootstrapVersion|cdk-hnb659fds/);
    const bundles = manifest.assets.filter((asset) => {
      const files = unzipSync(readFileSync(join(out, asset.file)));
      return 'index.mjs' in files && files['index.mjs']!.length > 10_000;
    });
    // The API and the stream function share one bundle; ingest has its own.
    expect(bundles).toHaveLength(2);
    expect(new Set(codeKeys(template))).toEqual(new Set(manifest.assets.map((asset) => asset.key)));
  });

  it('records the settings of the tfvars it read, so the module finds no drift', async () => {
    const scope = await moduleScope('dev');
    expect((scope.local as Record<string, unknown>).settings_drift).toEqual([]);
    expect(preconditions(scope)).toEqual([
      { condition: true, message: '' },
      { condition: true, message: '' },
      { condition: true, message: '' },
    ]);
  });

  it('passes exactly the parameters the template declares', async () => {
    const local = (await moduleScope('dev')).local as Record<string, unknown>;
    expect(local.stack_parameters).toEqual({
      AssetsBucketName: CREATED_BUCKET,
      AssetsKeyPrefix: 'godwit/dev/',
    });
    expect(Object.keys(local.stack_parameters as object).sort()).toEqual(
      Object.keys(template.Parameters!).sort(),
    );
  });

  it('stops the plan when the template declares a parameter the module cannot fill', async () => {
    const renamed = structuredClone(template);
    renamed.Parameters = { AssetsBucket: renamed.Parameters!.AssetsBucketName, AssetsKeyPrefix: {} };
    const scope = await moduleScope('dev', { locals: { template: renamed } });
    const failed = preconditions(scope).filter((rule) => !rule.condition);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('cannot fill: AssetsBucket.');
  });

  it('uploads every file the template needs, from files the synth wrote', async () => {
    const scope = await moduleScope('dev');
    const resource = module.resources['aws_s3_object.asset']!;
    const assets = evaluate(resource.for_each, scope) as Record<string, unknown>;
    const uploaded = Object.entries(assets).map(([key, value]) => {
      const inner = { ...scope, each: { key, value } };
      const source = evaluate(resource.source, inner) as string;
      expect(existsSync(source), source).toBe(true);
      expect(evaluate(resource.source_hash, inner)).toMatch(/^[0-9a-f]{32}$/);
      expect(evaluate(resource.bucket, inner)).toBe(CREATED_BUCKET);
      return evaluate(resource.key, inner);
    });
    expect(uploaded.sort()).toEqual(
      codeKeys(template)
        .map((key) => `godwit/dev/${key}`)
        .sort()
        .filter((key, index, all) => all.indexOf(key) === index),
    );
    const templateObject = module.resources['aws_s3_object.template']!;
    expect(readFileSync(evaluate(templateObject.source, scope) as string, 'utf8')).toBe(
      readFileSync(join(out, 'Godwit-dev.template.json'), 'utf8'),
    );
    expect(evaluate(templateObject.key, scope)).toMatch(/^godwit\/dev\/templates\/[0-9a-f]{64}\.json$/);
  });

  it('names each setting that differs from what the template was built with', async () => {
    const scope = await moduleScope('prod', { synthDir: out });
    expect((scope.local as Record<string, unknown>).settings_drift).toEqual([
      'alarms',
      'auth',
      'budget',
      'models',
      'retain_data',
      'stack_name',
      'vector_store',
    ]);
    const failed = preconditions(scope).filter((rule) => !rule.condition);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('synthesized with other values of: alarms, auth, budget');
  });
});

/** Synthesizes without bundling, for the stacks whose code the test above already bundled once. */
function synthTemplate(settings: Record<string, unknown>): {
  template: Template;
  manifest: TerraformManifest;
} {
  const dir = mkdtempSync(join(workDir, 'variant-'));
  const { app } = createGodwitApp({
    settings: parseDeploySettings(settings),
    outdir: dir,
    target: 'terraform',
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  app.synth();
  const manifest = JSON.parse(readFileSync(join(dir, TERRAFORM_MANIFEST), 'utf8')) as TerraformManifest;
  return { template: JSON.parse(readFileSync(join(dir, manifest.template), 'utf8')) as Template, manifest };
}

describe('the module outputs', { timeout: 240_000 }, () => {
  const variants = {
    opensearch: { vectorStore: 'opensearch', auth: { cognito: true } },
    s3vectors: {
      vectorStore: 's3vectors',
      webApp: {
        domain: {
          name: 'chat.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
        },
      },
    },
    fargate: { compute: 'fargate', retainData: false },
  };

  function outputs(stackOutputs: string[], compute = 'lambda'): Record<string, unknown> {
    const scope: Scope = {
      var: { compute },
      local: {
        outputs: Object.fromEntries(stackOutputs.map((name) => [name, `value-of-${name}`])),
        region: 'us-east-1',
        assets_bucket: CREATED_BUCKET,
      },
      aws_cloudformation_stack: { godwit: { id: 'arn:aws:cloudformation:stack/x', outputs: {} } },
    };
    return Object.fromEntries(
      Object.entries(module.outputs).map(([name, block]) => [name, evaluate(block.value, scope)]),
    );
  }

  it('reads only stack outputs some variant of the stack declares', () => {
    const declared = new Set([
      ...Object.keys(template.Outputs ?? {}),
      ...Object.values(variants).flatMap((settings) =>
        Object.keys(synthTemplate(settings).template.Outputs ?? {}),
      ),
    ]);
    const read = [
      ...readFileSync(join(MODULE_DIR, 'outputs.tf'), 'utf8').matchAll(/lookup\(local\.outputs, "(\w+)"/g),
    ].map((match) => match[1]!);
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set(read)].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('gives the names scripts read on the lambda stack (API URL, table, vector store, dashboard)', () => {
    const lambda = outputs(Object.keys(template.Outputs!));
    expect(lambda).toMatchObject({
      api_gateway_url: 'value-of-ApiUrl',
      api_url: 'value-of-ApiUrl',
      function_url: 'value-of-StreamUrl',
      conversations_table_name: 'value-of-TableName',
      documents_bucket_name: 'value-of-DocumentsBucketName',
      vector_store_endpoint: 'value-of-VectorsAuroraClusterArn',
      opensearch_endpoint: null,
      dashboard_name: 'value-of-DashboardName',
      dashboard_url:
        'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=value-of-DashboardName',
      web_app_url: 'value-of-WebAppUrl',
      web_app_domain_target: null,
    });
    const customDomain = outputs(Object.keys(synthTemplate(variants.s3vectors).template.Outputs!));
    expect(customDomain).toMatchObject({
      web_app_url: 'value-of-WebAppUrl',
      web_app_domain_target: 'value-of-WebAppDomainTarget',
    });
    const openSearch = outputs(Object.keys(synthTemplate(variants.opensearch).template.Outputs!));
    expect(openSearch).toMatchObject({
      opensearch_endpoint: 'value-of-VectorsOpenSearchEndpoint',
      opensearch_collection_id: 'value-of-VectorsOpenSearchCollectionId',
      vector_store_endpoint: 'value-of-VectorsOpenSearchEndpoint',
      user_pool_id: 'value-of-UserPoolId',
    });
  });

  it('takes the server image on fargate as parameters, and asks for container_image when it is missing', async () => {
    const fargate = synthTemplate(variants.fargate);
    expect(fargate.manifest.parameters).toEqual(Object.keys(fargate.template.Parameters!).sort());
    expect(fargate.manifest.parameters).toEqual(
      expect.arrayContaining(['ContainerImageUri', 'ContainerRepositoryName']),
    );
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/godwit:v1';
    const fargateVariables = { compute: 'fargate', retain_data: false };
    const withImage = await moduleScope('dev', {
      overrides: { ...fargateVariables, container_image: image },
      locals: {
        template: fargate.template,
        manifest: { ...fargate.manifest, settings: fargate.manifest.settings },
      },
    });
    const parameters = (withImage.local as Record<string, unknown>).stack_parameters as Record<
      string,
      string
    >;
    expect(Object.keys(parameters).sort()).toEqual(fargate.manifest.parameters);
    expect(parameters).toMatchObject({ ContainerImageUri: image, ContainerRepositoryName: 'godwit' });
    const withoutImage = await moduleScope('dev', {
      overrides: fargateVariables,
      locals: { template: fargate.template, manifest: fargate.manifest },
    });
    const failed = preconditions(withoutImage).filter((rule) => !rule.condition);
    expect(failed.map((rule) => rule.message).join('\n')).toMatch(
      /cannot fill: ContainerImageUri, ContainerRepositoryName\. On compute = "fargate", set container_image/,
    );
    expect(outputs(Object.keys(fargate.template.Outputs!), 'fargate')).toMatchObject({
      api_url: 'value-of-ServiceUrl',
      api_gateway_url: null,
      conversations_table_name: null,
    });
  });
});

describe('synth settings from a tfvars file', () => {
  it('reads HCL and JSON variable files, leaving the root configuration variables aside', async () => {
    const dev = await readTerraformSettings(tfvarsPath('dev'));
    expect(dev).toMatchObject({
      stackName: 'Godwit-dev',
      retainData: false,
      alarms: { dailyCostUsd: 10, p99LatencyMs: 10_000 },
    });
    const json = join(workDir, 'settings.tfvars.json');
    writeFileSync(
      json,
      JSON.stringify({ aws_region: 'eu-west-1', models: { embedding: '' }, vector_store: 's3vectors' }),
    );
    expect(await readTerraformSettings(json)).toMatchObject({
      vectorStore: 's3vectors',
      models: { embedding: null },
    });
  });

  const cases: [string, string, RegExp][] = [
    ['a wrong value, named as the variable', 'vector_store = "pinecone"\n', /vector_store: Invalid option/],
    ['a wrong nested key', 'alarms = { daily_cost_usd = -1 }\n', /alarms\.daily_cost_usd/],
    ['an expression', 'stack_name = "godwit-${var.environment}"\n', /stack_name must be literal values/],
    ['broken HCL', 'compute = \n', /does not parse/],
  ];
  it.each(cases)('refuses %s and writes nothing', async (_, text, message) => {
    const file = join(workDir, `case-${Math.random().toString(36).slice(2)}.tfvars`);
    writeFileSync(file, text);
    const target = join(workDir, 'refused');
    const output = captureOutput();
    expect(
      await main(
        ['deploy', 'synth', '--for', 'terraform', '--settings', file, '--out', target],
        output.output,
      ),
    ).toBe(2);
    expect(output.stderr()).toMatch(message);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a missing file, an unknown target, and --for terraform with deploy', async () => {
    const missing = captureOutput();
    expect(
      await main(
        ['deploy', 'synth', '--for', 'terraform', '--settings', join(workDir, 'none.tfvars'), '--out', out],
        missing.output,
      ),
    ).toBe(2);
    expect(missing.stderr()).toMatch(/none\.tfvars does not exist/);
    const unknown = captureOutput();
    expect(await main(['deploy', 'synth', '--for', 'pulumi', '--out', out], unknown.output)).toBe(2);
    expect(unknown.stderr()).toMatch(/Unknown --for "pulumi": use cdk or terraform/);
    const deploy = captureOutput();
    expect(await main(['deploy', 'deploy', '--for', 'terraform'], deploy.output)).toBe(2);
    expect(deploy.stderr()).toMatch(/terraform plan/);
  });
});
