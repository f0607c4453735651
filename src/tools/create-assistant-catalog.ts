/**
 * Assistants from config, with their tools: built-ins, OpenAPI operations, action-group Lambdas and MCP servers. Tool
 * sources are read and checked once at startup (a bad document or a missing secret is a ConfigError that
 * names the key); each request gets a fresh tool set bound to its knowledge bases.
 */

import { randomBytes } from 'node:crypto';
import type { LanguageModel } from 'ai';
import type { AgentTool } from '../core/agent/agent-tool.ts';
import type { AssistantCatalog, PreparedAssistant } from '../core/agent/assistant-catalog.ts';
import type { ToolCallListener } from '../core/agent/tool-call-event.ts';
import { ToolRateLimiter } from '../core/agent/tool-rate-limit.ts';
import { ConfigError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { KnowledgeService } from '../core/knowledge/knowledge-service.ts';
import type { CounterStore } from '../core/ports.ts';
import type { Retriever } from '../core/retrieval/retriever.ts';
import type { UrlGuard } from '../net/index.ts';
import { bedrockToolUseProblem } from '../providers/bedrock/converse-capabilities.ts';
import { calculatorTool, currentTimeTool } from './builtin/basic-tools.ts';
import { knowledgeTools } from './builtin/knowledge-tools.ts';
import type { LambdaInvoke } from './lambda/lambda-tools.ts';
import { lambdaTools } from './lambda/lambda-tools.ts';
import {
  type BedrockAgentFactory,
  type ManagedAssistants,
  managedAssistants,
} from './managed-agent-assistants.ts';
import { connectMcpSource } from './mcp/mcp-tools.ts';
import { loadOpenApiDocument } from './openapi/load-openapi-document.ts';
import { openApiTools } from './openapi/openapi-tools.ts';
import { connectSqlSource } from './sql/sql-tools.ts';
import type { AssistantsConfig, ToolSourcesConfig } from './tool-config.ts';

export interface AssistantCatalogOptions {
  assistants: AssistantsConfig;
  tools: ToolSourcesConfig;
  /** The model used when an assistant names none. */
  defaultModel: string;
  /** Resolves a model with its fallback chain (the registry, with resilience). */
  languageModel: (name: string, fallbacks: readonly string[]) => LanguageModel;
  knowledge: KnowledgeService;
  retriever: Retriever;
  /** Passages per knowledge search. */
  k: number;
  env: Record<string, string | undefined>;
  fetch?: typeof globalThis.fetch;
  /** Lambda invocation; default: the AWS SDK (loaded only when a Lambda source is configured). */
  lambdaInvoke?: (settings: { region?: string; endpoint?: string }) => Promise<LambdaInvoke>;
  /** Clients of the Bedrock Agents that answer for assistants with `bedrockAgent`. */
  bedrockAgent?: BedrockAgentFactory;
  /** The connection URL SQL tool sources use when they name none (database.url). */
  databaseUrl?: string | null;
  /** Checks MCP servers' URLs and fetches OpenAPI documents given by URL (the configured URL guard). */
  urlGuard: UrlGuard;
  /** Told once per tool call when it ends (for an audit log). */
  onToolCall?: ToolCallListener;
  /** The shared counters (limits.store) that per-tool rate limits count in, across instances. */
  counters: CounterStore;
}

const BUILTIN_NAMES = ['search_knowledge_base', 'get_document', 'current_time', 'calculator'];

export async function createAssistantCatalog(options: AssistantCatalogOptions): Promise<AssistantCatalog> {
  const { tools: sources } = options;
  const secrets: string[] = [];
  const sourceTools = new Map<string, AgentTool[]>();
  for (const [source, settings] of Object.entries(sources.openapi)) {
    const key = `tools.openapi.${source}`;
    const document = await loadOpenApiDocument(settings.document, `${key}.document`, options.urlGuard);
    const auth = settings.auth
      ? {
          ...settings.auth,
          value:
            settings.auth.prefix + secretValue(options.env, `${key}.auth.secret`, settings.auth.secret.env),
        }
      : null;
    if (auth) secrets.push(auth.value.slice(settings.auth?.prefix.length ?? 0));
    sourceTools.set(
      source,
      openApiTools({
        source,
        document,
        baseUrl: settings.baseUrl,
        auth: auth
          ? {
              ...(auth.header ? { header: auth.header } : {}),
              ...(auth.query ? { query: auth.query } : {}),
              value: auth.value,
            }
          : null,
        readOnly: settings.readOnly,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    );
  }
  for (const [source, settings] of Object.entries(sources.lambda)) {
    const document = await loadOpenApiDocument(
      settings.document,
      `tools.lambda.${source}.document`,
      options.urlGuard,
    );
    const connect = options.lambdaInvoke ?? defaultLambdaInvoke;
    const invoke = await connect({
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    });
    sourceTools.set(
      source,
      lambdaTools({
        source,
        functionName: settings.functionName,
        document,
        actionGroup: settings.actionGroup ?? source,
        assistant: source,
        readOnly: settings.readOnly,
        invoke,
      }),
    );
  }
  const connections: Array<{ close(): Promise<void> }> = [];
  try {
    for (const [source, settings] of Object.entries(sources.mcp)) {
      const connection = await connectMcpSource({
        source,
        settings,
        env: options.env,
        urlGuard: options.urlGuard,
        secrets,
      });
      connections.push(connection);
      sourceTools.set(source, connection.tools);
    }
    for (const [source, settings] of Object.entries(sources.sql)) {
      const key = `tools.sql.${source}`;
      const url = settings.url
        ? secretValue(options.env, `${key}.url`, settings.url.env)
        : options.databaseUrl;
      if (!url) {
        throw new ConfigError(
          `${key}.url is not set and there is no database.url: name the environment variable that holds the connection URL (url: { env: IAM_DATABASE_URL }).`,
        );
      }
      const connection = await connectSqlSource({ source, settings, url });
      connections.push(connection);
      sourceTools.set(source, connection.tools);
    }
    for (const [name, assistant] of Object.entries(options.assistants)) {
      for (const wanted of assistant.tools) selectTools(wanted, sourceTools, `assistants.${name}.tools`);
    }
  } catch (error) {
    await closeAll(connections);
    throw error;
  }
  const managed = await managedAssistants(
    options.assistants,
    sources,
    options.bedrockAgent,
    options.urlGuard,
  );
  const settings = {
    limits: { timeoutMs: sources.timeoutMs, maxOutputBytes: sources.maxOutputBytes, secrets },
    // Without a configured key, approvals are signed with a key that lives as long as the process.
    approvalSecret: sources.approvalSecret ?? randomBytes(32).toString('base64url'),
    rateLimiter: new ToolRateLimiter(sources.rateLimit, options.counters),
    ...(options.onToolCall ? { onToolCall: options.onToolCall } : {}),
  };
  return {
    settings,
    names: () => Object.keys(options.assistants),
    prepare: (name) => prepareAssistant(options, sourceTools, name, managed),
    close: () => closeAll(connections),
  };
}

async function closeAll(connections: ReadonlyArray<{ close(): Promise<void> }>): Promise<void> {
  await Promise.allSettled(connections.map((connection) => connection.close()));
}

function prepareAssistant(
  options: AssistantCatalogOptions,
  sourceTools: Map<string, AgentTool[]>,
  name: string,
  managed: ManagedAssistants,
): PreparedAssistant {
  const assistant = Object.hasOwn(options.assistants, name) ? options.assistants[name] : undefined;
  if (!assistant) {
    const known = Object.keys(options.assistants);
    throw new NotFoundError(
      `There is no assistant "${name}". ${known.length > 0 ? `Assistants: ${known.join(', ')}.` : 'No assistants are configured (see docs/AGENTS.md).'}`,
    );
  }
  const modelName = assistant.model ?? options.defaultModel;
  if (assistant.bedrockAgent)
    return managed.prepare(name, assistant, assistantTools(options, sourceTools, name));
  if (modelName.startsWith('local:')) {
    throw new ValidationError(
      `Assistant "${name}" uses ${modelName}, which cannot call tools (it only quotes passages). Set assistants.${name}.model to a tool-calling model: a local Ollama model (ollama:llama3.1:8b, with OLLAMA_HOST) or a provider model (openai:gpt-4.1-mini, bedrock:anthropic.claude-3-5-haiku-20241022-v1:0).`,
      { details: { field: 'assistant' } },
    );
  }
  const tools = assistantTools(options, sourceTools, name);
  const toolUseProblem =
    tools.length > 0 && modelName.startsWith('bedrock:')
      ? bedrockToolUseProblem(modelName.slice('bedrock:'.length), name)
      : null;
  if (toolUseProblem) throw new ValidationError(toolUseProblem, { details: { field: 'assistant' } });
  return {
    definition: {
      name,
      instructions: assistant.instructions,
      model: modelName,
      knowledgeBases: assistant.knowledgeBases,
      maxSteps: assistant.maxSteps,
      approval: assistant.approval,
    },
    model: options.languageModel(modelName, assistant.fallbacks ?? []),
    tools,
  };
}

function assistantTools(
  options: AssistantCatalogOptions,
  sourceTools: Map<string, AgentTool[]>,
  name: string,
): AgentTool[] {
  const assistant = options.assistants[name]!;
  return [
    ...builtinTools(options, assistant.knowledgeBases).filter((tool) => assistant.tools.includes(tool.name)),
    ...assistant.tools.flatMap((wanted) =>
      BUILTIN_NAMES.includes(wanted) ? [] : selectTools(wanted, sourceTools, `assistants.${name}.tools`),
    ),
  ];
}

function builtinTools(options: AssistantCatalogOptions, knowledgeBases: readonly string[]): AgentTool[] {
  return [
    ...knowledgeTools({
      knowledge: options.knowledge,
      retriever: options.retriever,
      knowledgeBases,
      k: options.k,
    }),
    currentTimeTool(),
    calculatorTool(),
  ];
}

/** `calculator`, a whole source (`scheduling`), or one operation (`scheduling__getAvailability`). */
function selectTools(wanted: string, sourceTools: Map<string, AgentTool[]>, key: string): AgentTool[] {
  if (BUILTIN_NAMES.includes(wanted)) return [];
  const whole = sourceTools.get(wanted);
  if (whole) return whole;
  const found = [...sourceTools.values()].flat().find((tool) => tool.name === wanted);
  if (found) return [found];
  const sources = [...sourceTools.keys()];
  throw new ConfigError(
    `${key} names "${wanted}", which is no tool: use a built-in (${BUILTIN_NAMES.join(', ')})${sources.length > 0 ? `, a tool source (${sources.join(', ')}) or one of its tools (<source>__<operationId>)` : ''}.`,
  );
}

function secretValue(env: Record<string, string | undefined>, key: string, variable: string): string {
  const value = env[variable];
  if (!value) throw new ConfigError(`${key} names the environment variable ${variable}, which is not set.`);
  return value;
}

async function defaultLambdaInvoke(settings: { region?: string; endpoint?: string }): Promise<LambdaInvoke> {
  const { createLambdaInvoke } = await import('./lambda/lambda-invoker.ts');
  return createLambdaInvoke(settings);
}
