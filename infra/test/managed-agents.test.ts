/**
 * `managedAgents`: Godwit assistants synthesized as managed Bedrock Agents, checked with CDK Template
 * assertions and cdk-nag (synthStack fails on any unacknowledged finding).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ManagedAgents } from '../src/constructs/managed-agents.ts';
import { actionsOf, policyStatements, synthStack } from './synth-stack.ts';

const SCHEDULING = join(
  import.meta.dirname,
  '..',
  '..',
  'test',
  'agents',
  'fixtures',
  'scheduling-openapi.yaml',
);
const INSTRUCTIONS = 'You book appointments for patients. Confirm the date before booking.';

function godwitConfig(assistants: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'godwit-managed-agents-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `tools:
  openapi:
    scheduling: { document: ${SCHEDULING}, baseUrl: https://pf360.example.com/api }
  lambda:
    pf360: { functionName: pf360-scheduling, document: ${SCHEDULING}, actionGroup: SchedulingActions }
knowledgeBases:
  policies:
    description: Clinic policies
    bedrock: { knowledgeBaseId: KB12345678 }
  local: { bedrock: { knowledgeBaseId: KB87654321 } }
assistants:
${assistants}`,
  );
  return path;
}

const SCHEDULER = `  scheduler:
    instructions: ${INSTRUCTIONS}
    model: bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0
    knowledgeBases: [policies]
    tools: [search_knowledge_base, calculator, scheduling, pf360]
    guardrail: { id: gr-123, version: '2' }
`;

describe('Godwit assistants as managed Bedrock Agents', () => {
  it('synthesizes the agent with its instructions, model, action groups, knowledge bases and guardrail', () => {
    const config = godwitConfig(SCHEDULER);
    const { template } = synthStack({ managedAgents: { config, assistants: ['scheduler'] } });
    template.resourceCountIs('AWS::Bedrock::Agent', 1);
    template.hasResourceProperties('AWS::Bedrock::Agent', {
      AgentName: 'Godwit-scheduler',
      FoundationModel: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      Instruction: INSTRUCTIONS,
      AutoPrepare: true,
      KnowledgeBases: [
        { KnowledgeBaseId: 'KB12345678', Description: 'Clinic policies', KnowledgeBaseState: 'ENABLED' },
      ],
      GuardrailConfiguration: { GuardrailIdentifier: 'gr-123', GuardrailVersion: '2' },
      ActionGroups: [
        Match.objectLike({
          ActionGroupName: 'scheduling',
          ActionGroupExecutor: { CustomControl: 'RETURN_CONTROL' },
          ApiSchema: { Payload: Match.stringLikeRegexp('operationId: getAvailability') },
        }),
        Match.objectLike({
          ActionGroupName: 'SchedulingActions',
          ActionGroupExecutor: { Lambda: Match.anyValue() },
        }),
        Match.objectLike({
          ActionGroupName: 'godwit_builtins',
          FunctionSchema: { Functions: [Match.objectLike({ Name: 'calculator' })] },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Bedrock::AgentAlias', { AgentAliasName: 'live' });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'bedrock.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ],
      },
    });
    const statements = policyStatements(template);
    expect(statements.some((statement) => actionsOf(statement).includes('bedrock:Retrieve'))).toBe(true);
    expect(statements.some((statement) => actionsOf(statement).includes('bedrock:ApplyGuardrail'))).toBe(
      true,
    );
    // The API and streaming functions may invoke the agent's alias, nothing else does.
    expect(
      statements.filter((statement) => actionsOf(statement).includes('bedrock:InvokeAgent')),
    ).toHaveLength(2);
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs.some((name) => name.includes('SchedulerAgentId'))).toBe(true);
    expect(outputs.some((name) => name.includes('SchedulerAliasId'))).toBe(true);
  }, 120_000);

  it('creates no agent unless assistants are named', () => {
    const { template } = synthStack({});
    template.resourceCountIs('AWS::Bedrock::Agent', 0);
  }, 120_000);

  it('refuses an assistant that is not in the config, naming the ones that are', () => {
    const config = godwitConfig(SCHEDULER);
    expect(() => synthStack({ managedAgents: { config, assistants: ['nobody'] } })).toThrow(
      /managedAgents\.assistants: "nobody" is not an assistant of .*godwit\.config\.yaml \(assistants: scheduler\)/,
    );
  });

  it('refuses a model of another provider', () => {
    const config = godwitConfig(
      `  chat:\n    instructions: ${INSTRUCTIONS}\n    model: openai:gpt-4.1-mini\n`,
    );
    expect(() => synthStack({ managedAgents: { config, assistants: ['chat'] } })).toThrow(
      /uses openai:gpt-4\.1-mini; a Bedrock Agent runs on a Bedrock model: set assistants\.chat\.model/,
    );
  });

  it('refuses a knowledge base stored in Godwit and instructions Bedrock would reject', () => {
    const stored = godwitConfig(
      `  chat:\n    instructions: ${INSTRUCTIONS}\n    model: bedrock:anthropic.claude-3-5-haiku-20241022-v1:0\n    knowledgeBases: [handbook]\n`,
    );
    expect(() => synthStack({ managedAgents: { config: stored, assistants: ['chat'] } })).toThrow(
      /names "handbook", which is stored in Godwit; a Bedrock Agent can attach only Bedrock Knowledge Bases/,
    );
    const short = godwitConfig(
      `  chat:\n    instructions: Be brief.\n    model: bedrock:anthropic.claude-3-5-haiku-20241022-v1:0\n`,
    );
    expect(() => synthStack({ managedAgents: { config: short, assistants: ['chat'] } })).toThrow(
      /instructions of at least 40 characters; assistants\.chat\.instructions has 9/,
    );
  });

  it('reads a relative tool document from the directory deploy runs in, as godwit serve does', () => {
    // The config file in conf/, its document in docs/, both named from the project directory.
    const project = mkdtempSync(join(tmpdir(), 'godwit-managed-paths-'));
    mkdirSync(join(project, 'conf'));
    mkdirSync(join(project, 'docs'));
    copyFileSync(SCHEDULING, join(project, 'docs', 'scheduling.yaml'));
    writeFileSync(
      join(project, 'conf', 'godwit.config.yaml'),
      `tools:\n  lambda:\n    pf360: { functionName: pf360-scheduling, document: docs/scheduling.yaml }\nassistants:\n  scheduler:\n    instructions: ${INSTRUCTIONS}\n    model: bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0\n    tools: [pf360]\n`,
    );
    const props = {
      stackName: 'Godwit',
      configPath: 'conf/godwit.config.yaml',
      assistants: ['scheduler'],
      defaultModel: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0',
    };
    const stack = new Stack(new App(), 'Paths');
    new ManagedAgents(stack, 'ManagedAgents', { ...props, cwd: project });
    Template.fromStack(stack).hasResourceProperties('AWS::Bedrock::Agent', {
      ActionGroups: Match.arrayWith([
        Match.objectLike({
          ActionGroupName: 'pf360',
          ApiSchema: { Payload: readFileSync(SCHEDULING, 'utf8') },
        }),
      ]),
    });
    // Relative to the config file's folder it would be conf/docs/scheduling.yaml: not what serve reads.
    expect(
      () =>
        new ManagedAgents(new Stack(new App(), 'Elsewhere'), 'ManagedAgents', {
          ...props,
          configPath: 'godwit.config.yaml',
          cwd: join(project, 'conf'),
        }),
    ).toThrow(
      /tools\.lambda\.pf360\.document: cannot read .*conf\/docs\/scheduling\.yaml \(the file does not exist\)\. A relative path is read from the directory godwit deploy runs in/,
    );
  });
});
