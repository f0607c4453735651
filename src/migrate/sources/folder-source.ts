/**
 * A folder of files (Markdown, PDF, Word, spreadsheets… whatever the document parser reads), on disk or
 * under an S3 prefix, as knowledge records: each file parsed and chunked as `godwit ingest` would, its path
 * relative to the folder as the document source. Files are read in path order; hidden entries are skipped.
 * The records carry no vectors (embed them with --reembed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import type { DocumentParser } from '../../core/ports.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import type { KnowledgeRecord } from '../records.ts';

/** Where the files of a folder source are: a directory, or an S3 prefix. */
export interface FileTree {
  /** For reports: `dir:///path` or `s3://bucket/prefix`. */
  readonly location: string;
  readonly name: string;
  /** Paths relative to the tree's root, `/`-separated, sorted, of files with one of `extensions`. */
  list(extensions: readonly string[]): Promise<string[]>;
  read(path: string): Promise<Uint8Array>;
}

/** A directory on disk. */
export class DirectoryTree implements FileTree {
  readonly location: string;

  constructor(readonly name: string) {
    this.location = `dir://${name}`;
  }

  async list(extensions: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    const walk = (directory: string) => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const path = join(directory, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile() && extensions.includes(extname(entry.name).toLowerCase())) {
          found.push(relative(this.name, path).split('\\').join('/'));
        }
      }
    };
    walk(this.name);
    return found.sort();
  }

  async read(path: string): Promise<Uint8Array> {
    return new Uint8Array(readFileSync(join(this.name, path)));
  }
}

export class FolderSource implements MigrationSource<KnowledgeRecord> {
  private readonly tree: FileTree;

  constructor(
    root: string | FileTree,
    private readonly parser: DocumentParser,
  ) {
    this.tree = typeof root === 'string' ? new DirectoryTree(root) : root;
  }

  async describe(): Promise<SourceDescription> {
    const files = await this.files();
    if (files.length === 0) {
      throw new ValidationError(
        `${this.tree.location} holds no files Godwit can read (supported: ${this.parser.supportedExtensions.join(' ')}), and it is not a dump.`,
      );
    }
    return {
      kind: 'knowledge',
      location: this.tree.location,
      name: this.tree.name,
      // Chunks are only known after parsing; the plan counts files, the run counts chunks.
      count: files.length,
      embedding: null,
      description: `Files of ${this.tree.location}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<KnowledgeRecord[]> {
    let toSkip = options.skip;
    let batch: KnowledgeRecord[] = [];
    for (const source of await this.files()) {
      const parsed = await this.parser.parse({ source, bytes: await this.tree.read(source) });
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

  private files(): Promise<string[]> {
    return this.tree.list(this.parser.supportedExtensions);
  }
}
