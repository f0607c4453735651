/**
 * The operations of an OpenAPI document, each with one JSON Schema for its input: path, query and header
 * parameters as properties, and the JSON request body as `body`. Local `$ref`s are inlined (cycles are cut
 * to an open schema).
 */
import type { JSONSchema7 } from 'ai';
import { ConfigError } from '../../core/errors.ts';
import type { OpenApiDocument } from './load-openapi-document.ts';

export type ParameterLocation = 'path' | 'query' | 'header';

export interface OpenApiOperation {
  /** operationId, or `<method>_<path>` made safe for tool names. */
  id: string;
  method: string;
  path: string;
  description: string;
  parameters: Array<{ name: string; in: ParameterLocation; required: boolean; schema: JSONSchema7 }>;
  /** Schema of the JSON body; null when the operation takes none. */
  body: { schema: JSONSchema7; required: boolean } | null;
  inputSchema: JSONSchema7;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const MAX_REF_DEPTH = 12;

export function openApiOperations(document: OpenApiDocument, key: string): OpenApiOperation[] {
  const operations: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = (item.parameters as unknown[] | undefined) ?? [];
    for (const method of METHODS) {
      const operation = item[method] as Record<string, unknown> | undefined;
      if (!operation) continue;
      operations.push(readOperation(document, path, method, operation, shared, key));
    }
  }
  const seen = new Set<string>();
  for (const operation of operations) {
    if (seen.has(operation.id)) throw new ConfigError(`${key}: operationId "${operation.id}" appears twice.`);
    seen.add(operation.id);
  }
  return operations;
}

function readOperation(
  document: OpenApiDocument,
  path: string,
  method: string,
  operation: Record<string, unknown>,
  shared: unknown[],
  key: string,
): OpenApiOperation {
  const id = safeName(
    typeof operation.operationId === 'string' ? operation.operationId : `${method}_${path}`,
  );
  const parameters = [...shared, ...((operation.parameters as unknown[] | undefined) ?? [])]
    .map((parameter) => resolve(document, parameter, 0) as Record<string, unknown>)
    .filter((parameter) => ['path', 'query', 'header'].includes(String(parameter.in)))
    .map((parameter) => {
      if (typeof parameter.name !== 'string') {
        throw new ConfigError(`${key}: a parameter of ${method.toUpperCase()} ${path} has no name.`);
      }
      return {
        name: parameter.name,
        in: parameter.in as ParameterLocation,
        required: parameter.in === 'path' || parameter.required === true,
        schema: {
          ...((resolve(document, parameter.schema ?? { type: 'string' }, 0) as JSONSchema7) ?? {}),
          ...(typeof parameter.description === 'string' ? { description: parameter.description } : {}),
        },
      };
    });
  const body = readBody(document, operation.requestBody);
  const properties: Record<string, JSONSchema7> = {};
  for (const parameter of parameters) properties[parameter.name] = parameter.schema;
  if (body) properties.body = body.schema;
  const required = [
    ...parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    ...(body?.required ? ['body'] : []),
  ];
  const description = [operation.summary, operation.description]
    .filter((text): text is string => typeof text === 'string' && text.length > 0)
    .join(' — ');
  return {
    id,
    method: method.toUpperCase(),
    path,
    description: description || `${method.toUpperCase()} ${path}`,
    parameters,
    body,
    inputSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
  };
}

function readBody(document: OpenApiDocument, requestBody: unknown): OpenApiOperation['body'] {
  if (!requestBody) return null;
  const resolved = resolve(document, requestBody, 0) as {
    content?: Record<string, { schema?: unknown }>;
    required?: boolean;
  };
  const json = resolved.content?.['application/json'];
  if (!json) return null;
  return {
    schema: (resolve(document, json.schema ?? {}, 0) as JSONSchema7) ?? {},
    required: resolved.required === true,
  };
}

/** Inlines local `$ref`s (`#/components/schemas/Slot`); deeper than MAX_REF_DEPTH becomes `{}`. */
function resolve(document: OpenApiDocument, value: unknown, depth: number): unknown {
  if (depth > MAX_REF_DEPTH) return {};
  if (Array.isArray(value)) return value.map((item) => resolve(document, item, depth));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$ref === 'string') return resolve(document, lookup(document, record.$ref), depth + 1);
  const result: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(record)) {
    // OpenAPI-only keywords that JSON Schema validators do not know.
    if (name === 'example' || name === 'xml' || name === 'externalDocs' || name === 'discriminator') continue;
    result[name] = resolve(document, item, depth);
  }
  if (result.nullable === true && typeof result.type === 'string') {
    result.type = [result.type, 'null'];
  }
  delete result.nullable;
  return result;
}

function lookup(document: OpenApiDocument, reference: string): unknown {
  if (!reference.startsWith('#/')) return {};
  let current: unknown = document;
  for (const segment of reference.slice(2).split('/')) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    current = (current as Record<string, unknown> | undefined)?.[name];
  }
  return current ?? {};
}

/** Tool names allow letters, digits, `_` and `-` (OpenAI and Bedrock both insist). */
function safeName(name: string): string {
  return (
    name
      .replace(/[^a-zA-Z0-9_-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 48) || 'operation'
  );
}
