/**
 * OpenAPI operations as tools that call the API over HTTP: `<source>__<operationId>`. The base URL comes
 * from config (or the document's first server); the secret for the auth header or query key is resolved
 * by the composition root and never shown to the model.
 */
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { jsonSchemaInput } from '../../core/agent/json-schema-input.ts';
import { ToolError } from '../../core/agent/tool-error.ts';
import { ConfigError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';
import type { OpenApiDocument } from './load-openapi-document.ts';
import { type OpenApiOperation, openApiOperations } from './openapi-operations.ts';

export interface OpenApiToolsOptions {
  /** The source's name in config; tool names are `<source>__<operationId>`. */
  source: string;
  document: OpenApiDocument;
  /** null = the document's first server URL. */
  baseUrl: string | null;
  auth: { header?: string; query?: string; value: string } | null;
  /** operationIds that only read; null = GET and HEAD operations. */
  readOnly: readonly string[] | null;
  fetch?: typeof globalThis.fetch;
}

export function openApiTools(options: OpenApiToolsOptions): AgentTool[] {
  const key = `tools.openapi.${options.source}`;
  const baseUrl = options.baseUrl ?? options.document.servers?.[0]?.url;
  if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
    throw new ConfigError(
      `${key}: no absolute base URL (the document's servers list has none); set ${key}.baseUrl.`,
    );
  }
  return openApiOperations(options.document, key).map((operation) => ({
    name: `${options.source}__${operation.id}`,
    description: operation.description,
    inputSchema: jsonSchemaInput(operation.inputSchema),
    readOnly: options.readOnly
      ? options.readOnly.includes(operation.id)
      : operation.method === 'GET' || operation.method === 'HEAD',
    kind: 'openapi',
    execute: (input, context) => callOperation(options, baseUrl, operation, input, context.abortSignal),
  }));
}

async function callOperation(
  options: OpenApiToolsOptions,
  baseUrl: string,
  operation: OpenApiOperation,
  input: unknown,
  signal: AbortSignal,
): Promise<JsonValue> {
  const values = (input ?? {}) as Record<string, unknown>;
  const url = new URL(baseUrl.replace(/\/+$/, '') + fillPath(operation, values));
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const parameter of operation.parameters) {
    const value = values[parameter.name];
    if (value === undefined || value === null) continue;
    if (parameter.in === 'query') url.searchParams.set(parameter.name, scalar(value));
    if (parameter.in === 'header') headers[parameter.name.toLowerCase()] = scalar(value);
  }
  if (options.auth?.header) headers[options.auth.header.toLowerCase()] = options.auth.value;
  if (options.auth?.query) url.searchParams.set(options.auth.query, options.auth.value);
  let body: string | undefined;
  if (operation.body && values.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(values.body);
  }
  const label = `${options.source}__${operation.id}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: operation.method,
      headers,
      body,
      signal,
      redirect: 'error',
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new ToolError(`Tool "${label}" could not reach ${url.origin} (${(error as Error).message}).`);
  }
  return readResponse(label, response);
}

/** JSON answers are parsed (malformed JSON is an error); other text is returned as it is. */
async function readResponse(label: string, response: Response): Promise<JsonValue> {
  const text = await response.text();
  if (!response.ok) {
    throw new ToolError(`Tool "${label}" got HTTP ${response.status} ${response.statusText} from the API.`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new ToolError(
      `Tool "${label}" got a response that claims to be JSON but is not (${text.length} bytes).`,
    );
  }
}

function fillPath(operation: OpenApiOperation, values: Record<string, unknown>): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) throw new ToolError(`Path parameter "${name}" is missing.`);
    return encodeURIComponent(scalar(value));
  });
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
