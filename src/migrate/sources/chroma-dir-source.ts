/**
 * A persisted Chroma directory (`chroma_data/` with `chroma.sqlite3` and segment folders). Chroma is run on
 * a copy of it, so the original stays untouched even if Chroma would migrate or compact it.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../../core/errors.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { KnowledgeRecord } from '../records.ts';
import { type ChromaProcess, startChroma } from './chroma-process.ts';
import { ChromaSource } from './chroma-source.ts';

export class ChromaDirectorySource implements MigrationSource<KnowledgeRecord> {
  private started: { process: ChromaProcess; source: ChromaSource; copy: string } | undefined;

  constructor(
    private readonly path: string,
    private readonly collection: string,
    private readonly embeddingModel?: string,
  ) {}

  async describe(): Promise<SourceDescription> {
    const description = await (await this.source()).describe();
    return { ...description, location: `chroma-dir://${this.path}?collection=${this.collection}` };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    yield* (await this.source()).read(options);
  }

  async nearest(embedding: number[], k: number): Promise<string[]> {
    return (await this.source()).nearest(embedding, k);
  }

  async close(): Promise<void> {
    if (!this.started) return;
    await this.started.process.stop();
    rmSync(this.started.copy, { recursive: true, force: true });
    this.started = undefined;
  }

  private async source(): Promise<ChromaSource> {
    if (this.started) return this.started.source;
    if (!existsSync(join(this.path, 'chroma.sqlite3'))) {
      throw new NotFoundError(
        `${this.path} is not a Chroma directory (no chroma.sqlite3). Point chroma-dir:// at the folder Chroma persisted to (its --path or persist_directory).`,
      );
    }
    const copy = mkdtempSync(join(tmpdir(), 'godwit-chroma-'));
    cpSync(this.path, copy, { recursive: true });
    const process = await startChroma(copy);
    const source = new ChromaSource({
      baseUrl: process.url,
      collection: this.collection,
      ...(this.embeddingModel ? { embeddingModel: this.embeddingModel } : {}),
    });
    this.started = { process, source, copy };
    return source;
  }
}
