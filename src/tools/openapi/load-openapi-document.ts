/**
 * Reads an OpenAPI 3.0/3.1 document (JSON or YAML) from a file and checks the parts Godwit uses. A Bedrock
 * Agents action-group schema is such a document and loads unchanged.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../core/errors.ts';

export interface OpenApiDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
}

/** @param key The config key that named the file, for error messages (`tools.openapi.scheduling.document`). */
export async function loadOpenApiDocument(path: string, key: string): Promise<OpenApiDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new ConfigError(
      `${key}: cannot read "${path}" (${reason}). Point it at an OpenAPI 3 JSON or YAML file.`,
    );
  }
  return parseOpenApiDocument(text, path, key);
}

export function parseOpenApiDocument(text: string, path: string, key: string): OpenApiDocument {
  let document: unknown;
  try {
    document = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `${key}: "${path}" is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'} (${firstLine(error)}).`,
    );
  }
  const record = document as Partial<OpenApiDocument> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new ConfigError(`${key}: "${path}" is not an OpenAPI document (expected an object at the top).`);
  }
  if (typeof record.openapi !== 'string' || !/^3\.[01]\./.test(record.openapi)) {
    const found = 'swagger' in record ? 'a Swagger 2 document' : `openapi: ${JSON.stringify(record.openapi)}`;
    throw new ConfigError(
      `${key}: "${path}" is ${found}; Godwit reads OpenAPI 3.0 and 3.1 (convert Swagger 2 with a converter first).`,
    );
  }
  if (typeof record.paths !== 'object' || record.paths === null || Object.keys(record.paths).length === 0) {
    throw new ConfigError(`${key}: "${path}" has no paths, so it describes no operations to call.`);
  }
  return record as OpenApiDocument;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
