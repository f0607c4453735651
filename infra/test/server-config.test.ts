/**
 * The server's config carried into the Fargate task (deploy setting `config`): what is carried, the
 * lambda:InvokeFunction grant derived from its tools.lambda sources, and every way a config can be refused
 * at synth, each with the key and the fix. CDK Template assertions; cdk-nag runs in synthStack.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_FILE_NAME,
  checkFallbackModels,
  lambdaFunctionArn,
  lambdaToolStatements,
  MAX_CONFIG_FILES_BYTES,
  readServerConfig,
} from '../src/server-config.ts';
import { actionsOf, policyStatements, synthStack } from './synth-stack.ts';

const ACTION_GROUP = join(
  import.meta.dirname,
  '..',
  '..',
  'examples',
  'scheduling-agent',
  'pf360-action-group.yaml',
);

/** A directory with `files` written into it (relative names). */
function directoryWith(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'godwit-server-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

const SCHEMA = readFileSync(ACTION_GROUP, 'utf8');

const CONFIG = `assistants:
  scheduler:
    instructions: Book appointments with the PF360 tools.
    tools: [pf360, billing]
tools:
  lambda:
    pf360:
      functionName: pf360-scheduling
      document: actions.yaml
    billing:
      functionName: arn:aws:lambda:eu-west-1:123456789012:function:billing:live
      document: { url: "https://schemas.example.com/billing.yaml" }
`;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

/** An ARN as CloudFormation would fill it in, in us-east-1 of account 123456789012. */
function resolved(value: string): string {
  const template = new Stack().resolve(value) as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof template === 'string') return template;
  const [separator, parts] = template['Fn::Join'];
  return parts
    .map((part) => (typeof part === 'string' ? part : PSEUDO[(part as { Ref: string }).Ref]))
    .join(separator);
}

describe('readServerConfig', () => {
  it('carries the config and the documents it reads from files, URLs left to the server', () => {
    const cwd = directoryWith({ 'godwit.yaml': CONFIG, 'actions.yaml': SCHEMA });
    const carried = readServerConfig('godwit.yaml', cwd);
    expect(Object.keys(carried.files).sort()).toEqual(['documents/lambda-pf360.yaml', CONFIG_FILE_NAME]);
    expect(carried.files['documents/lambda-pf360.yaml']).toBe(SCHEMA);
    const config = parseYaml(carried.files[CONFIG_FILE_NAME]!);
    expect(config.tools.lambda.pf360.document).toBe('documents/lambda-pf360.yaml');
    expect(config.tools.lambda.billing.document).toEqual({ url: 'https://schemas.example.com/billing.yaml' });
    expect(config.assistants.scheduler.tools).toEqual(['pf360', 'billing']);
    expect(Object.keys(carried.config.assistants)).toEqual(['scheduler']);
  });

  it('refuses a config that does not exist, naming the path it looked at', () => {
    const cwd = directoryWith({});
    expect(() => readServerConfig('godwit.yaml', cwd)).toThrowError(
      new RegExp(`config: godwit.yaml does not exist \\(looked for ${join(cwd, 'godwit.yaml')}\\)`),
    );
  });

  it('refuses YAML that does not parse, and YAML that is not a mapping', () => {
    expect(() =>
      readServerConfig('godwit.yaml', directoryWith({ 'godwit.yaml': 'assistants: [unclosed' })),
    ).toThrowError(/config: godwit.yaml is not valid YAML/);
    expect(() =>
      readServerConfig('godwit.yaml', directoryWith({ 'godwit.yaml': '- a list\n' })),
    ).toThrowError(/config: godwit.yaml must hold a mapping of keys/);
  });

  it('refuses a config the server would refuse, with the server’s own message', () => {
    const cwd = directoryWith({ 'godwit.yaml': 'assistants:\n  scheduler:\n    maxSteps: many\n' });
    expect(() => readServerConfig('godwit.yaml', cwd)).toThrowError(
      /config: godwit.yaml is not a valid Godwit config\. Invalid configuration .*assistants\.scheduler\.maxSteps/s,
    );
  });

  it('refuses a Lambda tool pointed at a local endpoint, naming the variable to use locally instead', () => {
    const cwd = directoryWith({
      'godwit.yaml': CONFIG.replace(
        'functionName: pf360-scheduling',
        'functionName: pf360-scheduling\n      endpoint: http://127.0.0.1:3001',
      ),
      'actions.yaml': SCHEMA,
    });
    expect(() => readServerConfig('godwit.yaml', cwd)).toThrowError(
      'tools.lambda.pf360.endpoint is http://127.0.0.1:3001, a local endpoint the deployed server cannot reach: remove it from godwit.yaml (the server then invokes the function pf360-scheduling on AWS) and set GODWIT_TOOLS__LAMBDA__PF360__ENDPOINT where you run it locally.',
    );
  });

  it('keeps a private endpoint the deployed server can reach', () => {
    const cwd = directoryWith({
      'godwit.yaml': CONFIG.replace(
        'functionName: pf360-scheduling',
        'functionName: pf360-scheduling\n      endpoint: https://lambda.internal.example.com',
      ),
      'actions.yaml': SCHEMA,
    });
    const config = parseYaml(readServerConfig('godwit.yaml', cwd).files[CONFIG_FILE_NAME]!);
    expect(config.tools.lambda.pf360.endpoint).toBe('https://lambda.internal.example.com');
  });

  it('refuses a tool document that is not where the server would read it', () => {
    const cwd = directoryWith({ 'godwit.yaml': CONFIG });
    expect(() => readServerConfig('godwit.yaml', cwd)).toThrowError(
      /^tools\.lambda\.pf360\.document: actions\.yaml does not exist \(looked for .*actions\.yaml; relative paths are read from the directory godwit deploy runs in/,
    );
  });

  it('refuses files larger than a task definition can carry, pointing at { url } documents', () => {
    const cwd = directoryWith({
      'godwit.yaml': CONFIG,
      'actions.yaml': `${SCHEMA}\n# ${'x'.repeat(MAX_CONFIG_FILES_BYTES)}\n`,
    });
    expect(() => readServerConfig('godwit.yaml', cwd)).toThrowError(
      new RegExp(
        `more than the ${MAX_CONFIG_FILES_BYTES} the task definition can carry .*Give large OpenAPI documents as \\{ url: "https://…" \\}`,
      ),
    );
  });
});

describe('the config’s fallback models', () => {
  const withFallback = (fallback: string) =>
    readServerConfig('godwit.yaml', directoryWith({ 'godwit.yaml': `models:\n  fallback: [${fallback}]\n` }));

  it('accepts other providers and the Bedrock models the task role may invoke', () => {
    expect(() =>
      checkFallbackModels(withFallback('openai:gpt-4.1, bedrock:amazon.nova-pro-v1:0'), [
        'bedrock:amazon.nova-pro-v1:0',
      ]),
    ).not.toThrow();
  });

  it('refuses a Bedrock fallback the task role may not invoke, saying where to list it', () => {
    expect(() =>
      checkFallbackModels(withFallback('openai:gpt-4.1, bedrock:amazon.nova-pro-v1:0'), [
        'bedrock:anthropic.claude-3-5-sonnet-20241022-v2:0',
      ]),
    ).toThrowError(
      'config: godwit.yaml sets models.fallback to openai:gpt-4.1, bedrock:amazon.nova-pro-v1:0, and the task role may not invoke bedrock:amazon.nova-pro-v1:0: list the Bedrock fallback models under models.fallback in the deploy settings too (the stack grants exactly the models listed there).',
    );
  });
});

describe('lambda:InvokeFunction from tools.lambda', () => {
  it('turns each way of naming a function into its ARN, without wildcards', () => {
    expect(resolved(lambdaFunctionArn('pf360-scheduling', null))).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:pf360-scheduling',
    );
    expect(resolved(lambdaFunctionArn('pf360-scheduling:live', 'eu-west-1'))).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:pf360-scheduling:live',
    );
    expect(resolved(lambdaFunctionArn('210987654321:function:shared', null))).toBe(
      'arn:aws:lambda:us-east-1:210987654321:function:shared',
    );
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:billing:live';
    expect(lambdaFunctionArn(arn, 'us-east-1')).toBe(arn);
  });

  it('grants nothing when the config has no Lambda tools', () => {
    expect(lambdaToolStatements(null)).toEqual([]);
    const cwd = directoryWith({ 'godwit.yaml': 'assistants:\n  plain: { instructions: Answer. }\n' });
    expect(lambdaToolStatements(readServerConfig('godwit.yaml', cwd).config)).toEqual([]);
  });
});

describe('the stack with a config', () => {
  it('grants the Fargate task role InvokeFunction on exactly the config’s functions', () => {
    const cwd = directoryWith({ 'godwit.yaml': CONFIG, 'actions.yaml': SCHEMA });
    // Relative document paths are read from the working directory, as godwit serve reads them.
    const previous = process.cwd();
    process.chdir(cwd);
    let template: ReturnType<typeof synthStack>['template'];
    try {
      ({ template } = synthStack({ compute: 'fargate', config: 'godwit.yaml' }));
    } finally {
      process.chdir(previous);
    }
    const invoking = policyStatements(template).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('lambda:')),
    );
    expect(invoking).toHaveLength(1);
    expect(actionsOf(invoking[0]!)).toEqual(['lambda:InvokeFunction']);
    const resources = JSON.stringify(invoking[0]!.Resource);
    expect(resources).toContain(':function:pf360-scheduling"');
    expect(resources).toContain('"arn:aws:lambda:eu-west-1:123456789012:function:billing:live"');
    expect(resources).not.toContain('*');
  }, 180_000);

  it('refuses a config whose Bedrock fallback the deploy settings do not grant', () => {
    const cwd = directoryWith({ 'godwit.yaml': 'models:\n  fallback: [bedrock:amazon.nova-pro-v1:0]\n' });
    expect(() => synthStack({ compute: 'fargate', config: join(cwd, 'godwit.yaml') })).toThrowError(
      /the task role may not invoke bedrock:amazon\.nova-pro-v1:0: list the Bedrock fallback models under models\.fallback in the deploy settings too/,
    );
  }, 180_000);

  it('refuses config on compute: lambda, saying what to do instead', () => {
    expect(() => synthStack({ config: 'godwit.yaml' })).toThrowError(
      'config (godwit.yaml) is carried into the server on compute: fargate only. On compute: lambda, configure the server through GODWIT_* variables (docs/CONFIGURATION.md), or set compute: fargate.',
    );
  }, 180_000);

  it('leaves the task as it was without a config: no config variables, no Lambda grant', () => {
    const { template } = synthStack({ compute: 'fargate' });
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Array<{
      Properties: {
        ContainerDefinitions: Array<{ Environment: Array<{ Name: string }>; Command: string[] }>;
      };
    }>;
    const container = task!.Properties.ContainerDefinitions[0]!;
    const names = container.Environment.map((entry) => entry.Name);
    expect(names).not.toContain('GODWIT_CONFIG');
    expect(names).not.toContain('CONFIG_FILES');
    expect(container.Command[0]).toMatch(/&& exec node bin\/godwit\.js serve$/);
    expect(
      policyStatements(template).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('lambda:Invoke')),
      ),
    ).toEqual([]);
  }, 180_000);
});
