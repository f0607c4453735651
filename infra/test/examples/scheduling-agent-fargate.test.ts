/**
 * The scheduling-agent's Fargate profile: `godwit deploy synth` with examples/scheduling-agent/godwit.deploy.yaml
 * through the real CLI command, no AWS account. The template has the Fargate service running the image with
 * the example's models and secret, Aurora PostgreSQL and Redis, and task roles that may do only what the
 * server needs: the two Bedrock models, the documents bucket, the OpenAI key's secret.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommand } from '../../../src/cli/commands/deploy.ts';
import { captureOutput } from '../../../test/support/capture-output.ts';

// Beside the CDK app's other tests: it needs the CDK (`npm run setup:deploy`), which the default install leaves out.
const REPOSITORY = join(import.meta.dirname, '..', '..', '..');
const EXAMPLE = join(REPOSITORY, 'examples', 'scheduling-agent');
const SETTINGS = join(EXAMPLE, 'godwit.deploy.yaml');
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const TITAN = 'amazon.titan-embed-text-v2:0';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read field by field
type Json = any;

const workDir = mkdtempSync(join(tmpdir(), 'godwit-scheduling-synth-'));
let template: Template;
let resources: Record<string, Json>;

function statementsOf(role: string): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: Json) => JSON.stringify(policy.Properties.Roles).includes(role))
    .flatMap((policy: Json) => policy.Properties.PolicyDocument.Statement);
}

function actions(statement: Json): string[] {
  return [statement.Action].flat();
}

describe('examples/scheduling-agent on ECS Fargate: godwit deploy synth', () => {
  beforeAll(async () => {
    const out = join(workDir, 'cdk.out');
    const output = captureOutput();
    const code = await deployCommand(
      'synth',
      { out, settings: SETTINGS, env: { PATH: process.env.PATH, HOME: workDir }, cwd: REPOSITORY },
      output.output,
    );
    expect(code, output.stderr()).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'SchedulingAgent.template.json'), 'utf8'));
    template = Template.fromJSON(json);
    resources = json.Resources;
  }, 300_000);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs the image as a Fargate service behind a load balancer, with Aurora PostgreSQL and TLS Redis', () => {
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 2 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { TransitEncryptionEnabled: true });
    // No functions serve the API and, with webApp: false, no CloudFront distribution.
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.hasOutput('ServiceUrl', {});
  });

  it('gives the container the example’s models and its OpenAI key as a secret, never as a value', () => {
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Json[];
    const container = taskDefinition.Properties.ContainerDefinitions[0];
    const environment = Object.fromEntries(
      (container.Environment as Json[]).map((entry) => [entry.Name, entry.Value]),
    );
    expect(environment).toMatchObject({
      GODWIT_MODEL: `bedrock:${SONNET}`,
      GODWIT_EMBEDDING_MODEL: `bedrock:${TITAN}`,
      GODWIT_AUTH__MODE: 'required',
      GODWIT_SAMPLE: 'false',
      GODWIT_STORAGE__BLOBS: 's3',
    });
    expect(JSON.stringify(environment.GODWIT_REDIS_URL)).toContain('rediss://');
    expect((container.Secrets as Json[]).map((secret) => secret.Name).sort()).toEqual([
      'DATABASE_PASSWORD',
      'OPENAI_API_KEY',
    ]);
    expect(JSON.stringify(container.Environment)).not.toMatch(/OPENAI_API_KEY|DATABASE_PASSWORD/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'SchedulingAgent/OPENAI_API_KEY' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ PortMappings: [Match.objectLike({ ContainerPort: 8787 })] })],
    });
  });

  it('keeps the task role to least privilege: exactly its Bedrock models, no wildcard actions or resources', () => {
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Json[];
    const taskRole = taskDefinition.Properties.TaskRoleArn['Fn::GetAtt'][0] as string;
    const statements = statementsOf(taskRole);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of actions(statement)) expect(action).not.toMatch(/^\*$|:\*$/);
      expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    }
    const bedrock = statements.filter((statement) =>
      actions(statement).some((a) => a.startsWith('bedrock:')),
    );
    const modelResources = JSON.stringify(bedrock.map((statement) => statement.Resource));
    expect(modelResources).toContain(SONNET);
    expect(modelResources).toContain(TITAN);
    expect(modelResources).not.toMatch(/foundation-model\/\*/);
    // The execution role (pulling the image, injecting secrets) reads only this stack's secrets.
    const executionRole = taskDefinition.Properties.ExecutionRoleArn['Fn::GetAtt'][0] as string;
    const secretReads = statementsOf(executionRole).filter((statement) =>
      actions(statement).includes('secretsmanager:GetSecretValue'),
    );
    expect(secretReads.length).toBeGreaterThan(0);
    for (const statement of secretReads) expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    expect(Object.keys(resources).length).toBeGreaterThan(20);
  });
});
