/**
 * A Chroma collection over Chroma's HTTP API (v2), read page by page with `limit` and `offset` in the
 * collection's own stable order. A record becomes one single-chunk document whose source is the record id.
 * Chroma has no null documents or metadata in our model: a missing document reads as "", missing metadata
 * as {} (see docs/MIGRATION.md, "Type normalisation").
 */
import { DependencyError, NotFoundError } from '../../core/errors.ts';
import type { Metadata } from '../../core/types.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { EmbeddingInfo, KnowledgeRecord } from '../records.ts';

export interface ChromaSourceOptions {
  /** `http://127.0.0.1:8000` */
  baseUrl: string;
  collection: string;
  tenant?: string;
  database?: string;
  /** Declared model of the stored vectors, when the collection does not record it. */
  embeddingModel?: string;
  fetch?: typeof fetch;
}

interface CollectionInfo {
  id: string;
  name: string;
  dimension: number | null;
  metadata: Metadata | null;
  configuration_json?: { embedding_function?: { name?: string; config?: Record<string, unknown> } | null };
}

interface GetResponse {
  ids: string[];
  documents: Array<string | null> | null;
  metadatas: Array<Metadata | null> | null;
  embeddings: number[][] | null;
}

export class ChromaSource implements MigrationSource<KnowledgeRecord> {
  private collection: CollectionInfo | undefined;
  private readonly fetch: typeof fetch;
  readonly location: string;

  constructor(private readonly options: ChromaSourceOptions) {
    this.fetch = options.fetch ?? fetch;
    this.location = `chroma://${new URL(options.baseUrl).host}/${options.collection}`;
  }

  async describe(): Promise<SourceDescription> {
    const collection = await this.requireCollection();
    const count = await this.call<number>('GET', `/collections/${collection.id}/count`);
    return {
      kind: 'knowledge',
      location: this.location,
      name: collection.name,
      count,
      embedding: count > 0 || collection.dimension ? this.embeddingInfo(collection) : null,
      description: `Chroma collection ${collection.name}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    const collection = await this.requireCollection();
    for (let offset = options.skip; ; offset += options.batchSize) {
      const page = await this.call<GetResponse>('POST', `/collections/${collection.id}/get`, {
        limit: options.batchSize,
        offset,
        include: ['documents', 'metadatas', 'embeddings'],
      });
      if (page.ids.length === 0) return;
      yield page.ids.map((id, index) => ({
        source: id,
        position: 0,
        text: page.documents?.[index] ?? '',
        metadata: page.metadatas?.[index] ?? {},
        location: {},
        embedding: page.embeddings?.[index] ?? null,
      }));
      if (page.ids.length < options.batchSize) return;
    }
  }

  async nearest(embedding: number[], k: number): Promise<string[]> {
    const collection = await this.requireCollection();
    const result = await this.call<{ ids: string[][] }>('POST', `/collections/${collection.id}/query`, {
      query_embeddings: [embedding],
      n_results: k,
      include: [],
    });
    return result.ids[0] ?? [];
  }

  async close(): Promise<void> {}

  private embeddingInfo(collection: CollectionInfo): EmbeddingInfo {
    const declared = this.options.embeddingModel ?? modelFromConfiguration(collection);
    return { model: declared ?? null, version: null, dimension: collection.dimension };
  }

  private async requireCollection(): Promise<CollectionInfo> {
    if (this.collection) return this.collection;
    try {
      this.collection = await this.call<CollectionInfo>(
        'GET',
        `/collections/${encodeURIComponent(this.options.collection)}`,
      );
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(
          `Chroma at ${this.options.baseUrl} has no collection "${this.options.collection}" (tenant ${this.tenant}, database ${this.database}). Check the name in the URL.`,
        );
      }
      throw error;
    }
    return this.collection;
  }

  private get tenant(): string {
    return this.options.tenant ?? 'default_tenant';
  }

  private get database(): string {
    return this.options.database ?? 'default_database';
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.options.baseUrl}/api/v2/tenants/${encodeURIComponent(this.tenant)}/databases/${encodeURIComponent(this.database)}${path}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new DependencyError(
        `Chroma at ${this.options.baseUrl} is not reachable (${(error as Error).message}). Start it, or fix the host and port in the chroma:// URL.`,
        { cause: error, isRetryable: true },
      );
    }
    const text = await response.text();
    if (response.status === 404) throw new NotFoundError(`Chroma answered 404 for ${path}.`);
    if (!response.ok) {
      throw new DependencyError(
        `Chroma at ${this.options.baseUrl} answered ${response.status} to ${method} ${path}: ${text.slice(0, 200)}`,
        { isRetryable: response.status >= 500 },
      );
    }
    return JSON.parse(text) as T;
  }
}

/** `openai` + `{ model_name }` in a collection's embedding function configuration → `openai:model`. */
function modelFromConfiguration(collection: CollectionInfo): string | undefined {
  const function_ = collection.configuration_json?.embedding_function;
  const modelName = function_?.config?.model_name;
  if (!function_?.name || typeof modelName !== 'string') return undefined;
  const provider = { openai: 'openai', ollama: 'ollama', google_genai: 'google', amazon_bedrock: 'bedrock' }[
    function_.name
  ];
  return provider ? `${provider}:${modelName}` : undefined;
}
