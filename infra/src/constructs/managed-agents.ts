/**
 * Godwit assistants as managed Bedrock Agents (`managedAgents` in the deploy settings): one CfnAgent per
 * assistant with its instructions and Bedrock model, an action group per tool source (Lambda sources run
 * on their function; OpenAPI sources and the calculator/clock built-ins return control to the caller,
 * which is Godwit's tools when the assistant is served by Godwit), its Bedrock knowledge bases and its
 * guardrail, a service role limited to exactly those, and a `live` alias.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Aws, CfnOutput, Validations } from 'aws-cdk-lib';
import { CfnAgent, CfnAgentAlias } from 'aws-cdk-lib/aws-bedrock';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { loadConfig } from '../../../src/config/load-config.ts';
import type { GodwitConfig } from '../../../src/config/schema.ts';
import { bedrockModelId, bedrockStatements } from '../bedrock-access.ts';

export interface ManagedAgentsProps {
  stackName: string;
  /** Path of godwit.config.yaml, relative to `cwd`. */
  configPath: string;
  assistants: readonly string[];
  /** The deploy settings' default model, for assistants that name none. */
  defaultModel: string;
  cwd?: string;
}

const BUILTINS: Record<string, CfnAgent.FunctionProperty> = {
  calculator: {
    name: 'calculator',
    description: 'Arithmetic: + - * / % ^, parentheses, sqrt abs round floor ceil min max log ln exp, pi, e.',
    parameters: {
      expression: { type: 'string', required: true, description: 'The expression, e.g. (2+3)*4' },
    },
  },
  current_time: {
    name: 'current_time',
    description: 'The current time, in UTC or an IANA time zone.',
    parameters: {
      timeZone: { type: 'string', required: false, description: 'An IANA time zone, e.g. Europe/Paris' },
    },
  },
};
/** Read by the agent's own knowledge bases instead. */
const KNOWLEDGE_TOOLS = ['search_knowledge_base', 'get_document'];

export class ManagedAgents extends Construct {
  /** Alias ARNs the Godwit server may invoke. */
  readonly aliasArns: string[] = [];
  /** Model names the agents use (for the cross-region profile acknowledgement). */
  readonly modelNames: string[] = [];

  constructor(scope: Construct, id: string, props: ManagedAgentsProps) {
    super(scope, id);
    const cwd = props.cwd ?? process.cwd();
    const configPath = resolve(cwd, props.configPath);
    // Relative paths in the file (tool documents) are read from `cwd`, as `godwit serve` and the Fargate
    // task's config (server-config.ts) read them: the directory the command runs in.
    const { config } = loadConfig({ configPath, env: {}, cwd });
    for (const name of props.assistants) this.agent(name, config, props, cwd);
  }

  private agent(name: string, config: GodwitConfig, props: ManagedAgentsProps, cwd: string): void {
    const key = `managedAgents.assistants: "${name}"`;
    const assistant = Object.hasOwn(config.assistants, name) ? config.assistants[name] : undefined;
    if (!assistant) {
      const known = Object.keys(config.assistants);
      throw new Error(
        `${key} is not an assistant of ${props.configPath}${known.length > 0 ? ` (assistants: ${known.join(', ')})` : ''}.`,
      );
    }
    if (assistant.bedrockAgent) {
      throw new Error(`${key} is already answered by Bedrock agent ${assistant.bedrockAgent.agentId}.`);
    }
    const model = assistant.model ?? config.models.default ?? props.defaultModel;
    const modelId = bedrockModelId(model);
    if (!modelId) {
      throw new Error(
        `${key} uses ${model}; a Bedrock Agent runs on a Bedrock model: set assistants.${name}.model to bedrock:<model id>.`,
      );
    }
    if (assistant.instructions.length < 40) {
      throw new Error(
        `${key}: Bedrock Agents need instructions of at least 40 characters; assistants.${name}.instructions has ${assistant.instructions.length}.`,
      );
    }
    this.modelNames.push(model);
    const role = new Role(this, `${pascal(name)}Role`, {
      description: `Bedrock Agent ${name}: its model, knowledge bases and guardrail`,
      assumedBy: new ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:agent/*`,
          },
        },
      }),
    });
    for (const statement of bedrockStatements([model])) role.addToPolicy(statement);
    const knowledgeBases = assistant.knowledgeBases.map((kb) => {
      const bedrock = Object.hasOwn(config.knowledgeBases, kb)
        ? config.knowledgeBases[kb]?.bedrock
        : undefined;
      if (!bedrock) {
        throw new Error(
          `${key}: assistants.${name}.knowledgeBases names "${kb}", which is stored in Godwit; a Bedrock Agent can attach only Bedrock Knowledge Bases (knowledgeBases.${kb}.bedrock).`,
        );
      }
      return {
        knowledgeBaseId: bedrock.knowledgeBaseId,
        description: config.knowledgeBases[kb]?.description || `Godwit knowledge base ${kb}`,
        knowledgeBaseState: 'ENABLED',
      };
    });
    if (knowledgeBases.length > 0) {
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['bedrock:Retrieve'],
          resources: knowledgeBases.map(
            (kb) =>
              `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:knowledge-base/${kb.knowledgeBaseId}`,
          ),
        }),
      );
    }
    const guardrail = assistant.guardrail ?? config.guardrail;
    if (guardrail) {
      role.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['bedrock:ApplyGuardrail'],
          resources: [
            guardrail.id.startsWith('arn:')
              ? guardrail.id
              : `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:guardrail/${guardrail.id}`,
          ],
        }),
      );
    }
    const { groups, lambdas } = this.actionGroups(name, assistant.tools, config, cwd, key);
    const agent = new CfnAgent(this, pascal(name), {
      agentName: `${props.stackName}-${name}`,
      description: `Godwit assistant ${name}`,
      foundationModel: modelId,
      instruction: assistant.instructions,
      agentResourceRoleArn: role.roleArn,
      autoPrepare: true,
      idleSessionTtlInSeconds: 900,
      ...(groups.length > 0 ? { actionGroups: groups } : {}),
      ...(knowledgeBases.length > 0 ? { knowledgeBases } : {}),
      ...(guardrail
        ? {
            guardrailConfiguration: {
              guardrailIdentifier: guardrail.id,
              guardrailVersion: guardrail.version,
            },
          }
        : {}),
    });
    lambdas.forEach((functionArn, index) => {
      new CfnPermission(this, `${pascal(name)}Invoke${index}`, {
        action: 'lambda:InvokeFunction',
        functionName: functionArn,
        principal: 'bedrock.amazonaws.com',
        sourceAccount: Aws.ACCOUNT_ID,
        sourceArn: agent.attrAgentArn,
      });
    });
    const alias = new CfnAgentAlias(this, `${pascal(name)}Alias`, {
      agentId: agent.attrAgentId,
      agentAliasName: 'live',
      description: `Godwit assistant ${name}`,
    });
    this.aliasArns.push(alias.attrAgentAliasArn);
    new CfnOutput(this, `${pascal(name)}AgentId`, {
      value: agent.attrAgentId,
      description: `assistants.${name}.bedrockAgent.agentId`,
    });
    new CfnOutput(this, `${pascal(name)}AliasId`, {
      value: alias.attrAgentAliasId,
      description: `assistants.${name}.bedrockAgent.aliasId`,
    });
    if (/^(?:us|eu|apac|us-gov|ca|jp|au|global)\./.test(modelId)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${modelId.replace(/^[a-z-]+\./, '')}]`,
        reason: `Cross-region inference profile ${modelId} routes each request to a region chosen at run time; the statement allows only this model and only through this profile (condition bedrock:InferenceProfileArn).`,
      });
    }
  }

  /** One action group per tool source, and one for the calculator/clock built-ins. */
  private actionGroups(
    name: string,
    tools: readonly string[],
    config: GodwitConfig,
    cwd: string,
    key: string,
  ): { groups: CfnAgent.AgentActionGroupProperty[]; lambdas: string[] } {
    const groups: CfnAgent.AgentActionGroupProperty[] = [];
    const lambdas: string[] = [];
    const sources = new Set<string>();
    const builtins: CfnAgent.FunctionProperty[] = [];
    for (const wanted of tools) {
      if (KNOWLEDGE_TOOLS.includes(wanted)) continue;
      const builtin = BUILTINS[wanted];
      if (builtin) {
        builtins.push(builtin);
        continue;
      }
      const source = wanted.includes('__') ? wanted.slice(0, wanted.indexOf('__')) : wanted;
      if (!Object.hasOwn(config.tools.openapi, source) && !Object.hasOwn(config.tools.lambda, source)) {
        throw new Error(`${key}: assistants.${name}.tools names "${wanted}", which is no tool source.`);
      }
      sources.add(source);
    }
    for (const source of sources) {
      const lambda = config.tools.lambda[source];
      const openapi = config.tools.openapi[source];
      const location = (lambda ?? openapi)!.document;
      if (typeof location !== 'string') {
        // CDK synthesis is synchronous and offline: the schema is embedded in the template from a file.
        throw new Error(
          `${key}: tools.${lambda ? 'lambda' : 'openapi'}.${source}.document is a URL (${location.url}); a Bedrock agent's action group embeds its schema, so point the document at a local file.`,
        );
      }
      const documentPath = resolve(cwd, location);
      let document: string;
      try {
        document = readFileSync(documentPath, 'utf8');
      } catch (error) {
        const reason =
          (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
        throw new Error(
          `${key}: tools.${lambda ? 'lambda' : 'openapi'}.${source}.document: cannot read ${documentPath} (${reason}). A relative path is read from the directory godwit deploy runs in (${cwd}), as godwit serve reads it.`,
        );
      }
      if (lambda) {
        const functionArn = lambda.functionName.startsWith('arn:')
          ? lambda.functionName
          : `arn:${Aws.PARTITION}:lambda:${lambda.region ?? Aws.REGION}:${Aws.ACCOUNT_ID}:function:${lambda.functionName}`;
        lambdas.push(functionArn);
        groups.push({
          actionGroupName: lambda.actionGroup ?? source,
          description: `Godwit tool source ${source} (Lambda)`,
          actionGroupExecutor: { lambda: functionArn },
          apiSchema: { payload: document },
        });
      } else {
        groups.push({
          actionGroupName: source,
          description: `Godwit tool source ${source}: calls return to Godwit, which runs them under its approval policy`,
          actionGroupExecutor: { customControl: 'RETURN_CONTROL' },
          apiSchema: { payload: document },
        });
      }
    }
    if (builtins.length > 0) {
      groups.push({
        actionGroupName: 'godwit_builtins',
        description: 'Godwit built-in tools: calls return to Godwit',
        actionGroupExecutor: { customControl: 'RETURN_CONTROL' },
        functionSchema: { functions: builtins },
      });
    }
    return { groups, lambdas };
  }
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
