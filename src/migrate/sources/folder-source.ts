/**
 * A folder of files (Markdown, PDF, Word, spreadsheets… whatever the document parser reads) as knowledge
 * records: each file parsed and chunked as `godwit ingest` would, its path relative to the folder as the
 * document source. Files are read in path order; hidden entries are skipped. The records carry no vectors
 * (embed them with --reembed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import type { DocumentParser } from '../../core/ports.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { KnowledgeRecord } from '../records.ts';

export class FolderSource implements MigrationSource<KnowledgeRecord> {
  constructor(
    private readonly root: string,
    private readonly parser: DocumentParser,
  ) {}

  async describe(): Promise<SourceDescription> {
    const files = this.files();
    if (files.length === 0) {
      throw new ValidationError(
        `${this.root} holds no files Godwit can read (supported: ${this.parser.supportedExtensions.join(' ')}), and it is not a dump.`,
      );
    }
    return {
      kind: 'knowledge',
      location: `dir://${this.root}`,
      name: this.root,
      // Chunks are only known after parsing; the plan counts files, the run counts chunks.
      count: files.length,
      embedding: null,
      description: `Files of ${this.root}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    let toSkip = options.skip;
    let batch: KnowledgeRecord[] = [];
    for (const path of this.files()) {
      const source = relative(this.root, path).split('\\').join('/');
      const parsed = await this.parser.parse({ source, bytes: new Uint8Array(readFileSync(path)) });
      for (const [position, chunk] of parsed.chunks.entries()) {
        if (toSkip > 0) {
          toSkip -= 1;
          continue;
        }
        batch.push({
          source,
          position,
          text: chunk.text,
          metadata: chunk.metadata,
          location: chunk.location,
          embedding: null,
          ...(position === 0 ? { document: { mimeType: parsed.mimeType, metadata: parsed.metadata } } : {}),
        });
      }
      // Batches end on a file boundary, so a document's chunks are never split between two writes.
      if (batch.length >= options.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async close(): Promise<void> {}

  private files(): string[] {
    const found: string[] = [];
    const walk = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const path = join(directory, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (
          entry.isFile() &&
          this.parser.supportedExtensions.includes(extname(entry.name).toLowerCase())
        ) {
          found.push(path);
        }
      }
    };
    walk(this.root);
    return found.sort();
  }
}
