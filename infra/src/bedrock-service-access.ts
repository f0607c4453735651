/**
 * Least-privilege access to Bedrock's managed services for the server's roles (the API and stream
 * functions, the Fargate task): InvokeAgent on the agent aliases it answers with (the stack's own managed
 * agents and the `bedrockAgent` assistants of godwit.config.yaml), Retrieve on its Bedrock Knowledge Bases
 * (and, when one is in `retrieveAndGenerate` mode, RetrieveAndGenerate, which takes no resource, with
 * InvokeModel on the answering model), and ApplyGuardrail on its guardrails. Nothing is granted for what
 * the config does not name.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitConfig } from '../../src/config/schema.ts';

/** The Godwit config at `path` (relative to `cwd`), or null when there is none. */
export function readGodwitConfig(path: string, cwd = process.cwd()): GodwitConfig | null {
  const configPath = resolve(cwd, path);
  if (!existsSync(configPath)) return null;
  return loadConfig({ configPath, env: {}, cwd: dirname(configPath) }).config;
}

function arn(region: string | null, resource: string): string {
  return `arn:${Aws.PARTITION}:bedrock:${region ?? Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}

/** The statements for `config`'s agents, knowledge bases and guardrails, plus the stack's agent aliases. */
export function bedrockServiceStatements(
  config: GodwitConfig | null,
  managedAliasArns: readonly string[],
): PolicyStatement[] {
  const statement = (actions: string[], resources: string[]) =>
    new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [...new Set(resources)] });
  const statements: PolicyStatement[] = [];
  const assistants = Object.values(config?.assistants ?? {});
  const aliases = [
    ...managedAliasArns,
    ...assistants.flatMap((assistant) =>
      assistant.bedrockAgent
        ? [
            arn(
              assistant.bedrockAgent.region,
              `agent-alias/${assistant.bedrockAgent.agentId}/${assistant.bedrockAgent.aliasId}`,
            ),
          ]
        : [],
    ),
  ];
  if (aliases.length > 0) statements.push(statement(['bedrock:InvokeAgent'], aliases));
  const bases = Object.values(config?.knowledgeBases ?? {}).map((base) => base.bedrock);
  if (bases.length > 0) {
    statements.push(
      statement(
        ['bedrock:Retrieve'],
        bases.map((base) => arn(base.region, `knowledge-base/${base.knowledgeBaseId}`)),
      ),
    );
  }
  const generating = bases.filter((base) => base.mode === 'retrieveAndGenerate');
  if (generating.length > 0) {
    // The Service Authorization Reference for Amazon Bedrock ("Actions, resources, and condition keys for
    // Amazon Bedrock", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html)
    // lists the resource type knowledge-base* for bedrock:Retrieve, and none for bedrock:RetrieveAndGenerate:
    // a statement naming a knowledge base ARN never matches that action, so "*" is the only grant that works.
    // The knowledge bases stay named by the Retrieve statement above, the model by InvokeModel below.
    // docs/decisions/2026-12-07-server-config-in-the-task-definition.md
    statements.push(
      statement(['bedrock:RetrieveAndGenerate'], ['*']),
      statement(
        ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        generating.map((base) => base.modelArn!),
      ),
    );
  }
  const guardrails = [config?.guardrail, ...assistants.map((assistant) => assistant.guardrail)].flatMap(
    (guardrail) =>
      guardrail
        ? [
            guardrail.id.startsWith('arn:')
              ? guardrail.id
              : arn(guardrail.region, `guardrail/${guardrail.id}`),
          ]
        : [],
  );
  if (guardrails.length > 0) statements.push(statement(['bedrock:ApplyGuardrail'], guardrails));
  return statements;
}
