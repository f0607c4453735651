/**
 * Reads an OpenAPI 3.0/3.1 document (JSON or YAML) from a file or an http(s) URL and checks the parts Godwit
 * uses. A Bedrock Agents action-group schema is such a document and loads unchanged. A URL is fetched through
 * the URL guard (its allow-list, timeout and redirects; at most 10 MiB) once per process: later loads of the
 * same URL reuse the parsed document.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../core/errors.ts';
import { type UrlGuard, UrlRefusedError } from '../../net/index.ts';

export interface OpenApiDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
}

/** A file path, or a document served over http(s). */
export type OpenApiLocation = string | { url: string };

/** Largest OpenAPI document fetched from a URL. */
export const MAX_OPENAPI_DOCUMENT_BYTES = 10 * 1024 * 1024;

const fetchedDocuments = new Map<string, Promise<OpenApiDocument>>();

/**
 * @param key The config key that named the document, for error messages (`tools.openapi.scheduling.document`).
 * @param urlGuard Fetches a `{ url }` location; required for one.
 * @throws ConfigError naming the key, the file or URL, and why it cannot be used.
 * @example
 *   await loadOpenApiDocument({ url: 'https://api.example.com/openapi.yaml' }, 'tools.openapi.crm.document', guard);
 */
export async function loadOpenApiDocument(
  location: OpenApiLocation,
  key: string,
  urlGuard?: UrlGuard,
): Promise<OpenApiDocument> {
  if (typeof location !== 'string') return fetchOpenApiDocument(location.url, key, urlGuard);
  let text: string;
  try {
    text = await readFile(location, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new ConfigError(
      `${key}: cannot read "${location}" (${reason}). Point it at an OpenAPI 3 JSON or YAML file.`,
    );
  }
  return parseOpenApiDocument(text, location, key);
}

function fetchOpenApiDocument(url: string, key: string, urlGuard?: UrlGuard): Promise<OpenApiDocument> {
  const cached = fetchedDocuments.get(url);
  if (cached) return cached;
  if (!urlGuard) throw new Error(`Loading ${key} from a URL needs the URL guard.`);
  const loading = (async () => {
    let fetched: Awaited<ReturnType<UrlGuard['fetch']>>;
    try {
      fetched = await urlGuard.fetch(url, {
        maxBytes: MAX_OPENAPI_DOCUMENT_BYTES,
        accept: 'application/vnd.oai.openapi+json, application/json, application/yaml, text/yaml, */*;q=0.5',
      });
    } catch (error) {
      const reason = error instanceof UrlRefusedError ? error.message : String(error);
      throw new ConfigError(
        `${key}: cannot load the OpenAPI document from ${url}: ${reason} Check the URL, or serve the document from a host in urlFetch.allowedHosts, or point ${key} at a local file.`,
        { cause: error },
      );
    }
    const text = new TextDecoder().decode(fetched.bytes);
    const json = fetched.mediaType?.includes('json') === true || /\.json($|\?)/i.test(url);
    return parseOpenApiDocument(text, url, key, json ? 'json' : 'yaml');
  })();
  fetchedDocuments.set(url, loading);
  // Only documents that loaded are kept: a failure is tried again at the next start (or test).
  loading.catch(() => fetchedDocuments.delete(url));
  return loading;
}

/** @param format default: JSON when `path` ends in `.json`, else YAML. */
export function parseOpenApiDocument(
  text: string,
  path: string,
  key: string,
  format: 'json' | 'yaml' = path.endsWith('.json') ? 'json' : 'yaml',
): OpenApiDocument {
  let document: unknown;
  try {
    document = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `${key}: "${path}" is not valid ${format === 'json' ? 'JSON' : 'YAML'} (${firstLine(error)}).`,
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
