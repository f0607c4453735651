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
  const missing = allowed.filter((name) => !names.includes(name));
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
