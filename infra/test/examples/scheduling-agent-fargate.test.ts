/**
 * The scheduling-agent's Fargate profile: `godwit deploy synth` with examples/scheduling-agent/godwit.deploy.yaml
 * through the real CLI command, no AWS account. The template has the Fargate service running the image with
 * the example's models and secret, Aurora PostgreSQL and Redis, and task roles that may do only what the
 * server needs: the two Bedrock models, the documents bucket, the OpenAI key's secret, and the PF360 function.
 * The task carries the example's godwit.yaml: the container command, run with the template's own environment
 * in a directory laid out as the image's /app (Bedrock and Lambda reached through AWS_ENDPOINT_URL_* on
 * their wire emulators), serves the `scheduler` assistant, which calls its PF360 Lambda tool.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  type Appointment,
  createPf360Handler,
} from '../../../examples/scheduling-agent/lambda/pf360-handler.ts';
import { deployCommand } from '../../../src/cli/commands/deploy.ts';
import { captureOutput } from '../../../test/support/capture-output.ts';
import { startEmulator } from '../../../test/support/emulators/index.ts';
import { freePort, waitFor } from '../../../test/support/free-port.ts';
import { startLambdaInvokeEmulator } from '../../../test/support/lambda-invoke-emulator.ts';

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

function containerOf(stack: Template): Json {
  const [taskDefinition] = Object.values(stack.findResources('AWS::ECS::TaskDefinition')) as Json[];
  return taskDefinition.Properties.ContainerDefinitions[0];
}

function containerTaskRole(stack: Template): string {
  const [taskDefinition] = Object.values(stack.findResources('AWS::ECS::TaskDefinition')) as Json[];
  return taskDefinition.Properties.TaskRoleArn['Fn::GetAtt'][0] as string;
}

const DATABASE = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The container as ECS starts it: `sh -c` with the template's command and Environment, in a directory laid out
 * as the image's /app (bin/, dist/, node_modules/, web/; no examples/scheduling-agent). Only what is not the
 * task's own is supplied: CloudFormation references become local stand-ins (Redis, PostgreSQL without TLS,
 * whose URL the command builds), secrets get values, the port is a free loopback one, and the image's
 * GODWIT_DATA_DIR and AWS's region and credentials are set. An API key is created first with the same command.
 */
async function runContainer(stack: Template, endpoints: Record<string, string>) {
  const container = containerOf(stack);
  const work = mkdtempSync(join(tmpdir(), 'godwit-scheduling-task-'));
  const app = join(work, 'app');
  mkdirSync(app);
  for (const entry of ['bin', 'dist', 'node_modules', 'web', 'package.json'])
    symlinkSync(join(REPOSITORY, entry), join(app, entry));
  const standIns: Record<string, string> = {
    GODWIT_REDIS_URL: 'redis://127.0.0.1:6379',
    GODWIT_STORAGE__S3__BUCKET: 'documents',
    DATABASE_HOST: '127.0.0.1',
    DATABASE_PORT: '5432',
  };
  const environment: Record<string, string> = {};
  for (const entry of container.Environment as Json[]) {
    if (typeof entry.Value === 'string') environment[entry.Name] = entry.Value;
    else if (entry.Name in standIns) environment[entry.Name] = standIns[entry.Name]!;
    else throw new Error(`${entry.Name} is a CloudFormation expression the test has no stand-in for`);
  }
  const secretValues: Record<string, string> = {
    DATABASE_PASSWORD: 'unused with trust authentication',
    OPENAI_API_KEY: 'sk-test',
    GODWIT_TOOLS__APPROVAL_SECRET: 'approval-secret-for-the-test',
  };
  for (const secret of container.Secrets as Json[]) {
    if (!(secret.Name in secretValues)) throw new Error(`no value for the secret ${secret.Name}`);
    environment[secret.Name] = secretValues[secret.Name]!;
  }
  const schema = `scheduling_task_${process.pid}_${Date.now()}`;
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    ...environment,
    GODWIT_HOST: '127.0.0.1',
    GODWIT_PORT: String(port),
    // Infrastructure, not the task's configuration: a schema of this run's own in the test database.
    GODWIT_DATABASE__SCHEMA: schema,
    GODWIT_DATA_DIR: join(work, 'data'),
    AWS_REGION: 'us-east-1',
    // The credentials the wire emulators check signatures with (on AWS: the task role's).
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'emulated-secret',
    ...endpoints,
  };
  // The local PostgreSQL has no TLS and no `godwit` role: the URL the command builds points at it instead.
  let command = container.Command[0] as string;
  for (const [from, to] of [
    ['postgres://godwit:', 'postgres://postgres:'],
    ['/godwit?sslmode=require"', '/test"'],
  ] as const) {
    expect(command.split(from)).toHaveLength(2);
    command = command.replace(from, to);
  }
  expect(container.EntryPoint).toEqual(['sh', '-c']);
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: DATABASE });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  };
  const run = (script: string) =>
    spawn('sh', ['-c', script], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (child: ChildProcess) => {
    const text = { stdout: '', all: '' };
    child.stdout?.on('data', (chunk) => {
      text.stdout += chunk;
      text.all += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      text.all += chunk;
    });
    return text;
  };
  try {
    expect(command.endsWith(' serve')).toBe(true);
    const keys = run(`${command.slice(0, -' serve'.length)} keys create --role admin --name probe --json`);
    const keysOutput = collect(keys);
    const code = await new Promise((resolve) => keys.once('exit', resolve));
    expect(code, keysOutput.all).toBe(0);
    const apiKey = (JSON.parse(keysOutput.stdout) as { secret: string }).secret;
    const child = run(command);
    const text = collect(child);
    const output = () => text.all;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      `the server to answer /healthz (output: ${output()})`,
      async () => child.exitCode === null && (await fetch(`${url}/healthz`)).ok,
      600,
      100,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n${output()}`);
    });
    return {
      url,
      apiKey,
      output,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
        await dropSchema();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await dropSchema();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
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
    // The deploy settings list no fallback, so godwit.yaml's OpenAI fallback stands (no empty override).
    expect(environment).not.toHaveProperty('GODWIT_FALLBACK_MODELS');
    expect((container.Secrets as Json[]).map((secret) => secret.Name).sort()).toEqual([
      'DATABASE_PASSWORD',
      'GODWIT_TOOLS__APPROVAL_SECRET',
      'OPENAI_API_KEY',
    ]);
    expect(JSON.stringify(container.Environment)).not.toMatch(
      /OPENAI_API_KEY|DATABASE_PASSWORD|APPROVAL_SECRET/,
    );
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'SchedulingAgent/OPENAI_API_KEY' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ PortMappings: [Match.objectLike({ ContainerPort: 8787 })] })],
    });
  });

  it('carries godwit.yaml and the action group’s schema into the container, as the server will read them', () => {
    const container = containerOf(template);
    const environment = Object.fromEntries(
      (container.Environment as Json[]).map((entry) => [entry.Name, entry.Value]),
    );
    expect(environment.GODWIT_CONFIG).toBe('godwit.config.yaml');
    const files = JSON.parse(environment.CONFIG_FILES) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(['documents/lambda-pf360.yaml', 'godwit.config.yaml']);
    expect(files['documents/lambda-pf360.yaml']).toBe(
      readFileSync(join(EXAMPLE, 'pf360-action-group.yaml'), 'utf8'),
    );
    const carried = parseYaml(files['godwit.config.yaml']!);
    const source = parseYaml(readFileSync(join(EXAMPLE, 'godwit.yaml'), 'utf8'));
    // The same assistant, tools and approvals; only the document path points at the copy.
    expect(carried.assistants).toEqual(source.assistants);
    expect(carried.tools.lambda.pf360).toEqual({
      ...source.tools.lambda.pf360,
      document: 'documents/lambda-pf360.yaml',
    });
    // The container command writes the files into a fresh directory and serves from there.
    expect(container.Command[0]).toMatch(
      /&& APP="\$PWD" && cd "\$\(mktemp -d\)" && node -e '.+' && exec node "\$APP\/bin\/godwit\.js" serve$/,
    );
  });

  it('grants lambda:InvokeFunction on the PF360 function’s ARN and nothing else', () => {
    const invoking = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: Json) =>
      (policy.Properties.PolicyDocument.Statement as Json[])
        .filter((statement) => actions(statement).some((action) => action.startsWith('lambda:')))
        .map((statement) => ({ roles: policy.Properties.Roles, statement })),
    );
    expect(invoking).toHaveLength(1);
    const [{ roles, statement }] = invoking as [{ roles: Json; statement: Json }];
    const taskRole = containerTaskRole(template);
    expect(roles).toEqual([{ Ref: taskRole }]);
    expect(statement.Action).toBe('lambda:InvokeFunction');
    expect(statement.Effect).toBe('Allow');
    expect(statement.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':lambda:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':function:pf360-scheduling',
        ],
      ],
    });
  });

  it('runs the container command with the template’s environment: the scheduler answers and calls the PF360 Lambda', async () => {
    const appointments = new Map<string, Appointment>();
    const [emulator, lambda] = await Promise.all([
      startEmulator(),
      startLambdaInvokeEmulator({ 'pf360-scheduling': createPf360Handler(appointments) as never }),
    ]);
    // AWS's own endpoints, as the task reaches them; the configuration is the template's.
    const server = await runContainer(template, {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    });
    try {
      const headers = { 'x-api-key': server.apiKey, 'content-type': 'application/json' };
      const models = await fetch(`${server.url}/v1/models`, { headers });
      expect(models.status, await models.clone().text()).toBe(200);
      const ids = ((await models.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
      expect(ids).toContain('assistant:scheduler');
      expect(server.output()).toMatch(/fallback:\s+openai:gpt-4\.1\n/);

      emulator.script({
        match: { dialect: 'bedrock', model: SONNET },
        toolCalls: [{ name: 'pf360__getAvailability', input: { providerId: 'dr-lee', date: '2026-12-08' } }],
      });
      emulator.script({
        match: { dialect: 'bedrock', model: SONNET },
        text: 'Dr. Lee is free at 09:00 on Tuesday.',
      });
      const chat = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ assistant: 'scheduler', message: 'When is Dr. Lee free on Tuesday?' }),
      });
      const body = (await chat.json()) as Json;
      expect(chat.status, JSON.stringify(body)).toBe(200);
      expect(body.message.toolCalls.map((call: Json) => [call.toolName, call.state])).toEqual([
        ['pf360__getAvailability', 'complete'],
      ]);
      // The task invoked the configured function with the action group's event, as on AWS.
      expect(lambda.events.map((entry) => entry.functionName)).toEqual(['pf360-scheduling']);
      expect(lambda.events[0]!.event).toMatchObject({
        actionGroup: 'SchedulingActions',
        apiPath: '/providers/{providerId}/availability',
        httpMethod: 'GET',
      });
      expect(body.message.content).toContain('Dr. Lee is free at 09:00');
    } finally {
      await server.stop();
      await Promise.all([emulator.close(), lambda.close()]);
    }
  }, 120_000);

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
