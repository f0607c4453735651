/**
 * Assistants answered by a managed Bedrock Agent (`assistants.<name>.bedrockAgent`). The agent runs its
 * own model, instructions, knowledge bases and Lambda action groups; the calls it hands back (return of
 * control) run on this assistant's Godwit tools: a function `book` of action group `Booking` on the tool
 * `Booking__book` (or `book`), an API call `POST /appointments` on the operation of the mapped source with
 * that method and path.
 */

import type { AssistantConfig, ToolsConfig } from '../config/schema.ts';
import type { AgentTool } from '../core/agent/agent-tool.ts';
import type { PreparedAssistant } from '../core/agent/assistant-catalog.ts';
import type { ManagedAgent, ManagedAgentCall } from '../core/agent/managed-agent.ts';
import type { UrlGuard } from '../net/index.ts';
import { loadOpenApiDocument } from './openapi/load-openapi-document.ts';
import { openApiOperations } from './openapi/openapi-operations.ts';

export type BedrockAgentSettings = NonNullable<AssistantConfig['bedrockAgent']> & {
  /** `assistants.<name>.bedrockAgent`, named in errors. */
  key: string;
};

/** Builds the client of one agent (the composition root loads the AWS SDK adapter for it). */
export type BedrockAgentFactory = (settings: BedrockAgentSettings) => ManagedAgent;

interface OperationEntry {
  method: string;
  path: string;
  id: string;
}

export interface ManagedAssistants {
  /** The prepared assistant for `name`, whose config has `bedrockAgent`. */
  prepare(name: string, assistant: AssistantConfig, tools: AgentTool[]): PreparedAssistant;
}

/**
 * Creates one agent client per configured agent and reads the operation tables of the tool sources, so a
 * handed-back API call finds its operation by method and path.
 */
export async function managedAssistants(
  assistants: Record<string, AssistantConfig>,
  sources: ToolsConfig,
  factory: BedrockAgentFactory | undefined,
  urlGuard?: UrlGuard,
): Promise<ManagedAssistants> {
  const agents = new Map<string, ManagedAgent>();
  const operations = new Map<string, OperationEntry[]>();
  const managed = Object.entries(assistants).filter(([, assistant]) => assistant.bedrockAgent);
  if (managed.length > 0) {
    const documents = [
      ...Object.entries(sources.openapi).map(
        ([source, settings]) => [source, settings.document, 'openapi'] as const,
      ),
      ...Object.entries(sources.lambda).map(
        ([source, settings]) => [source, settings.document, 'lambda'] as const,
      ),
    ];
    for (const [source, path, kind] of documents) {
      const key = `tools.${kind}.${source}`;
      const document = await loadOpenApiDocument(path, `${key}.document`, urlGuard);
      operations.set(
        source,
        openApiOperations(document, key).map((operation) => ({
          method: operation.method.toUpperCase(),
          path: operation.path,
          id: operation.id,
        })),
      );
    }
  }
  for (const [name, assistant] of managed) {
    if (!factory) throw new Error('Bedrock agents need an agent factory from the composition root.');
    agents.set(name, factory({ ...assistant.bedrockAgent!, key: `assistants.${name}.bedrockAgent` }));
  }
  return {
    prepare(name, assistant, tools) {
      const settings = assistant.bedrockAgent!;
      const agent = agents.get(name)!;
      return {
        definition: {
          name,
          instructions: assistant.instructions,
          model: settings.model ?? agent.label,
          knowledgeBases: assistant.knowledgeBases,
          maxSteps: assistant.maxSteps,
          approval: assistant.approval,
        },
        // The agent's own model answers; Godwit never calls a language model for this assistant.
        model: agent.label,
        tools,
        managed: {
          agent,
          resolveTool: (call) => resolveTool(call, tools, settings.actionGroups, operations),
        },
      };
    },
  };
}

function resolveTool(
  call: ManagedAgentCall,
  tools: readonly AgentTool[],
  actionGroups: Record<string, string>,
  operations: Map<string, OperationEntry[]>,
): AgentTool | undefined {
  const source = actionGroups[call.actionGroup] ?? call.actionGroup;
  const byName = (name: string) => tools.find((tool) => tool.name === name);
  if (call.operation.kind === 'function') {
    return byName(`${source}__${call.operation.name}`) ?? byName(call.operation.name);
  }
  const { method, path } = call.operation;
  const operation = operations.get(source)?.find((entry) => entry.method === method && entry.path === path);
  return operation ? byName(`${source}__${operation.id}`) : undefined;
}
