/**
 * The server's access to Bedrock's managed services: exactly the agents, knowledge bases and guardrails
 * godwit.config.yaml names, on the Lambda functions and on the Fargate task role alike. CDK Template
 * assertions; cdk-nag runs in synthStack (it fails on any unacknowledged finding).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionsOf, type PolicyStatementJson, policyStatements, synthStack } from './synth-stack.ts';

const MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0';

function godwitConfig(): string {
  const directory = mkdtempSync(join(tmpdir(), 'godwit-service-access-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `knowledgeBases:
  policies: { bedrock: { knowledgeBaseId: KB12345678 } }
  answers:
    bedrock: { knowledgeBaseId: KB87654321, mode: retrieveAndGenerate, modelArn: ${MODEL_ARN} }
guardrail: { id: gr-global, version: '1' }
assistants:
  support:
    bedrockAgent: { agentId: AGENT12345, aliasId: ALIAS12345 }
    guardrail: { id: gr-support, version: '2', region: eu-west-1 }
`,
  );
  return path;
}

/** The statements granting `action`, with their resources flattened to strings. */
function granting(statements: PolicyStatementJson[], action: string): string[] {
  return statements
    .filter((statement) => actionsOf(statement).includes(action))
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
    .map((resource) => JSON.stringify(resource));
}

function expectServiceAccess(statements: PolicyStatementJson[], roles: number) {
  const agent = granting(statements, 'bedrock:InvokeAgent');
  expect(agent).toHaveLength(roles);
  expect(agent.every((resource) => resource.includes('agent-alias/AGENT12345/ALIAS12345'))).toBe(true);
  const retrieve = granting(statements, 'bedrock:Retrieve');
  expect(retrieve.filter((resource) => resource.includes('knowledge-base/KB12345678'))).toHaveLength(roles);
  expect(retrieve.filter((resource) => resource.includes('knowledge-base/KB87654321'))).toHaveLength(roles);
  // RetrieveAndGenerate takes no resource type (Service Authorization Reference for Amazon Bedrock): "*" is
  // the only resource that matches it; the knowledge bases are named by Retrieve above.
  const generate = granting(statements, 'bedrock:RetrieveAndGenerate');
  expect(generate).toEqual(Array.from({ length: roles }, () => '"*"'));
  expect(
    granting(statements, 'bedrock:InvokeModel').filter((resource) => resource.includes(MODEL_ARN)),
  ).toHaveLength(roles);
  const guardrails = granting(statements, 'bedrock:ApplyGuardrail');
  expect(guardrails.filter((resource) => resource.includes(':guardrail/gr-global'))).toHaveLength(roles);
  expect(
    guardrails.filter((resource) => resource.includes('eu-west-1') && resource.includes('gr-support')),
  ).toHaveLength(roles);
  for (const resource of [...agent, ...retrieve, ...guardrails]) expect(resource).not.toContain('*');
}

describe('Bedrock managed services on the server roles', () => {
  it('grants the Fargate task role exactly what the config names', () => {
    const { template } = synthStack({
      compute: 'fargate',
      managedAgents: { config: godwitConfig(), assistants: [] },
    });
    expectServiceAccess(policyStatements(template), 1);
  }, 180_000);

  it('grants the API and stream functions the same, and the ingest function none of it', () => {
    const { template } = synthStack({ managedAgents: { config: godwitConfig(), assistants: [] } });
    expectServiceAccess(policyStatements(template), 2);
  }, 180_000);

  it('grants nothing for managed services when there is no config', () => {
    const { template } = synthStack({
      managedAgents: { config: 'no-such-godwit.config.yaml', assistants: [] },
    });
    const statements = policyStatements(template);
    for (const action of ['bedrock:InvokeAgent', 'bedrock:Retrieve', 'bedrock:ApplyGuardrail'])
      expect(granting(statements, action)).toEqual([]);
  }, 180_000);
});
