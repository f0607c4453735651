/**
 * A real Chroma server for tests: `chroma run` from the chromadb package on a temp dir, 127.0.0.1, a free
 * port. Collections are created without an embedding function; tests pass their own embeddings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChroma } from '../../src/migrate/index.ts';

export interface ChromaRecord {
  id: string;
  document: string | null;
  metadata: Record<string, string | number | boolean> | null;
  embedding: number[];
}

export interface ChromaTestServer {
  url: string;
  port: number;
  /** The data folder the server persists to (for chroma-dir:// tests). */
  path: string;
  createCollection(name: string, metadata?: Record<string, string>): Promise<string>;
  /** Adds records in batches of `batchSize` (default 1000). */
  add(collectionId: string, records: ChromaRecord[], batchSize?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChromaServer(): Promise<ChromaTestServer> {
  const root = mkdtempSync(join(tmpdir(), 'godwit-chroma-test-'));
  const path = join(root, 'chroma_data');
  const process = await startChroma(path);
  const base = `${process.url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Chroma ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  return {
    url: process.url,
    port: process.port,
    path,
    async createCollection(name, metadata = { 'hnsw:space': 'cosine' }) {
      const created = await post(base, { name, metadata });
      return created.id as string;
    },
    async add(collectionId, records, batchSize = 1000) {
      for (let start = 0; start < records.length; start += batchSize) {
        const batch = records.slice(start, start + batchSize);
        await post(`${base}/${collectionId}/add`, {
          ids: batch.map((record) => record.id),
          documents: batch.map((record) => record.document),
          metadatas: batch.map((record) => record.metadata),
          embeddings: batch.map((record) => record.embedding),
        });
      }
    },
    async stop() {
      await process.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
