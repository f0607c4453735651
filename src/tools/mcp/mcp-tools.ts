/**
 * Tools of an MCP server, through the AI SDK's MCP client (`@ai-sdk/mcp`): streamable HTTP or SSE servers by
 * URL (checked by the URL guard before every request; redirects refused), and stdio servers started as a
 * child process. Each listed tool the admin allows becomes `<server>__<tool>`; its JSON Schema is the
 * input schema. A server that cannot be reached at startup stops startup with the key that names it.
 */
import { type CallToolResult, createMCPClient, type MCPClient, type MCPTransport } from '@ai-sdk/mcp';
import { jsonSchema } from 'ai';
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { ToolError } from '../../core/agent/tool-error.ts';
import { ConfigError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';
import type { UrlGuard } from '../../net/index.ts';
import type { ToolSourcesConfig } from '../tool-config.ts';

export type McpSourceConfig = ToolSourcesConfig['mcp'][string];

export interface McpSource {
  tools: AgentTool[];
  close(): Promise<void>;
}

export interface McpSourceOptions {
  source: string;
  settings: McpSourceConfig;
  /** Secret values by environment variable (for `auth` and stdio `env` references). */
  env: Record<string, string | undefined>;
  /** Checks HTTP servers' addresses before each request. */
  urlGuard: UrlGuard;
  /** Receives secret values, so they are redacted from tool results and errors. */
  secrets: string[];
  /** Bounds connecting and listing tools. Default 15 000 ms. */
  connectTimeoutMs?: number;
}

/** Connects to the server and lists its tools. @throws ConfigError naming `tools.mcp.<source>`. */
export async function connectMcpSource(options: McpSourceOptions): Promise<McpSource> {
  const { source, settings } = options;
  const key = `tools.mcp.${source}`;
  const where = settings.url ?? [settings.command, ...settings.args].join(' ');
  const timeout = options.connectTimeoutMs ?? 15_000;
  let client: MCPClient | undefined;
  try {
    client = await createMCPClient({
      transport: await transportFor(options, key),
      clientName: 'godwit',
      initializationOptions: { timeout },
    });
    const listed = await client.listTools({ options: { timeout } });
    const tools = selectTools(source, listed.tools, settings.tools, key).map((definition) =>
      mcpTool(source, definition, client!),
    );
    tools.push(...(await contextTools(source, client, settings.tools, timeout)));
    const connected = client;
    return { tools, close: () => connected.close() };
  } catch (error) {
    await client?.close().catch(() => {});
    if (error instanceof ConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `${key}: cannot reach the MCP server at ${where}: ${reason}. Start the server or correct ${key}.${settings.url ? 'url' : 'command'}.`,
      { cause: error },
    );
  }
}

async function transportFor(options: McpSourceOptions, key: string) {
  const { settings, env, secrets } = options;
  if (settings.url) {
    const headers: Record<string, string> = {};
    if (settings.auth?.header) {
      const value = secret(env, `${key}.auth.secret`, settings.auth.secret.env);
      secrets.push(value);
      headers[settings.auth.header] = settings.auth.prefix + value;
    }
    const guard = options.urlGuard;
    await guard.check(settings.url);
    const guardedFetch: typeof globalThis.fetch = async (input, init) => {
      await guard.check(input instanceof Request ? input.url : String(input));
      return globalThis.fetch(input, init);
    };
    return {
      type: settings.transport,
      url: settings.url,
      headers,
      redirect: 'error' as const,
      fetch: guardedFetch,
    };
  }
  const processEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.env)) {
    if (typeof value === 'string') processEnv[name] = value;
    else {
      processEnv[name] = secret(env, `${key}.env.${name}`, value.env);
      secrets.push(processEnv[name]);
    }
  }
  // Loaded only for stdio servers: it spawns processes, which a Lambda function cannot keep.
  const { StdioMCPTransport } = await import('@ai-sdk/mcp/mcp-stdio');
  return new StdioMCPTransport({
    command: settings.command ?? '',
    args: settings.args,
    env: processEnv,
    stderr: 'ignore',
  }) as MCPTransport;
}

type ListedTool = Awaited<ReturnType<MCPClient['listTools']>>['tools'][number];

function selectTools(
  source: string,
  listed: ListedTool[],
  allowed: readonly string[] | null,
  key: string,
): ListedTool[] {
  if (allowed === null) return listed;
  const names = listed.map((tool) => tool.name);
  const missing = allowed.filter((name) => !names.includes(name) && !CONTEXT_TOOLS.includes(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `${key}.tools names ${missing.map((name) => `"${name}"`).join(', ')}, which the MCP server "${source}" does not list. It lists: ${names.join(', ') || 'no tools'}.`,
    );
  }
  return listed.filter((tool) => allowed.includes(tool.name));
}

function mcpTool(source: string, definition: ListedTool, client: MCPClient): AgentTool {
  // Model tool names allow letters, digits, "_" and "-" only.
  const name = `${source}__${definition.name.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
  return {
    name,
    description: definition.description ?? definition.title ?? `${definition.name} (MCP server ${source})`,
    inputSchema: jsonSchema(definition.inputSchema as Parameters<typeof jsonSchema>[0]),
    readOnly: definition.annotations?.readOnlyHint === true,
    kind: 'mcp',
    async execute(input, context) {
      const result = await client.callTool({
        name: definition.name,
        arguments: (input ?? {}) as Record<string, unknown>,
        options: { signal: context.abortSignal },
      });
      if (result.isError)
        throw new ToolError(`Tool "${name}" failed: ${textOf(result) || 'the MCP server reported an error'}`);
      return outputOf(result);
    },
  };
}

/** Names in `tools.mcp.<server>.tools` that allow the server's resources and prompts (not tools it lists). */
const CONTEXT_TOOLS = ['read_resource', 'get_prompt'];

/**
 * The server's resources and prompts as read-only tools: `<server>__read_resource` reads one of the resources
 * it listed at startup, `<server>__get_prompt` fills one of its prompts and returns the messages. Each exists
 * when the server lists any (and the allow-list, when set, names `read_resource` / `get_prompt`). A server
 * without the capability answers the listing with an error: it then has neither.
 */
async function contextTools(
  source: string,
  client: MCPClient,
  allowed: readonly string[] | null,
  timeout: number,
): Promise<AgentTool[]> {
  const wanted = (name: string) => allowed === null || allowed.includes(name);
  const tools: AgentTool[] = [];
  const resources = wanted('read_resource')
    ? await client
        .listResources({ options: { timeout } })
        .then((listed) => listed.resources)
        .catch(() => [])
    : [];
  if (resources.length > 0) {
    const uris = resources.map((resource) => resource.uri);
    const listing = resources
      .map(
        (resource) =>
          `${resource.uri}: ${resource.title ?? resource.name}${resource.description ? ` (${resource.description})` : ''}`,
      )
      .join('; ');
    tools.push({
      name: `${source}__read_resource`,
      description: `Reads a resource of the MCP server ${source}. Resources: ${listing}`.slice(0, 1024),
      inputSchema: jsonSchema({
        type: 'object',
        properties: { uri: { type: 'string', enum: uris, description: 'The resource to read' } },
        required: ['uri'],
        additionalProperties: false,
      }),
      readOnly: true,
      kind: 'mcp',
      async execute(input, context) {
        const { uri } = input as { uri: string };
        const result = await client.readResource({ uri, options: { signal: context.abortSignal } });
        return result.contents.map(
          (content): JsonValue => ({
            uri: content.uri,
            ...(content.mimeType ? { mimeType: content.mimeType } : {}),
            // Binary contents arrive as base64: the model gets what they are, not their bytes.
            ...('text' in content && typeof content.text === 'string'
              ? { text: content.text }
              : { binary: true }),
          }),
        );
      },
    });
  }
  const prompts = wanted('get_prompt')
    ? await client
        .listPrompts({ options: { timeout } })
        .then((listed) => listed.prompts)
        .catch(() => [])
    : [];
  if (prompts.length > 0) {
    const listing = prompts
      .map((prompt) => {
        const parameters = (prompt.arguments ?? []).map((argument) => argument.name).join(', ');
        return `${prompt.name}(${parameters})${prompt.description ? `: ${prompt.description}` : ''}`;
      })
      .join('; ');
    tools.push({
      name: `${source}__get_prompt`,
      description:
        `Gets a prompt of the MCP server ${source}, filled with its arguments, as instructions to follow. Prompts: ${listing}`.slice(
          0,
          1024,
        ),
      inputSchema: jsonSchema({
        type: 'object',
        properties: {
          name: { type: 'string', enum: prompts.map((prompt) => prompt.name) },
          arguments: { type: 'object', additionalProperties: { type: 'string' } },
        },
        required: ['name'],
        additionalProperties: false,
      }),
      readOnly: true,
      kind: 'mcp',
      async execute(input, context) {
        const { name, arguments: values } = input as { name: string; arguments?: Record<string, string> };
        const result = await client.getPrompt({
          name,
          ...(values ? { arguments: values } : {}),
          options: { signal: context.abortSignal },
        });
        return {
          ...(result.description ? { description: result.description } : {}),
          messages: result.messages.map((message) => ({
            role: message.role,
            text: message.content.type === 'text' ? message.content.text : `[${message.content.type}]`,
          })),
        };
      },
    });
  }
  return tools;
}

function textOf(result: CallToolResult): string {
  const content = 'content' in result && Array.isArray(result.content) ? result.content : [];
  return content
    .flatMap((item) => (item.type === 'text' && typeof item.text === 'string' ? [item.text] : []))
    .join('\n');
}

/** Structured content when the server sends it; else the text; else a summary of each content item. */
function outputOf(result: CallToolResult): JsonValue {
  if ('structuredContent' in result && result.structuredContent) return result.structuredContent as JsonValue;
  const content = 'content' in result && Array.isArray(result.content) ? result.content : [];
  if (content.every((item) => item.type === 'text')) return textOf(result);
  return content.map((item): JsonValue => {
    if (item.type === 'text') return { type: 'text', text: String(item.text) };
    // Images and audio arrive as base64: the model gets what they are, not their bytes.
    return { type: String(item.type), ...('mimeType' in item ? { mimeType: String(item.mimeType) } : {}) };
  });
}

function secret(env: Record<string, string | undefined>, key: string, variable: string): string {
  const value = env[variable];
  if (!value) throw new ConfigError(`${key} names the environment variable ${variable}, which is not set.`);
  return value;
}
