/**
 * Reads a dump folder back: checks the manifest, streams the parts in order, and fails on a part whose
 * SHA-256 or record count differs from the manifest (a damaged or edited dump).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';
import { readLines } from '../dump/json-lines.ts';
import { type DumpManifest, readManifest } from '../dump/manifest.ts';
import type { MigrationSource, SourceDescription } from '../ports.ts';
import { type KnowledgeRecord, type MigrationRecord, reviveConversation } from '../records.ts';

export class DumpSource implements MigrationSource {
  private manifest: DumpManifest | undefined;
  private checked = false;

  constructor(private readonly directory: string) {}

  /** Checks every part against the manifest first, so a damaged dump is refused before anything is written. */
  async describe(): Promise<SourceDescription> {
    const manifest = this.readManifest();
    if (!this.checked) {
      for (const part of manifest.parts) await this.checkPart(part);
      this.checked = true;
    }
    return {
      kind: manifest.kind,
      location: `dir://${this.directory}`,
      name: manifest.source.name,
      count: manifest.counts.records,
      embedding: manifest.embedding,
      description: manifest.source.description ?? `exported from ${manifest.source.location}`,
    };
  }

  async *read(options: { skip: number; batchSize: number }): AsyncIterable<MigrationRecord[]> {
    const manifest = this.readManifest();
    let toSkip = options.skip;
    let batch: MigrationRecord[] = [];
    for (const part of manifest.parts) {
      const path = join(this.directory, part.file);
      const lines = readLines(path);
      let count = 0;
      let step = await lines.next();
      while (!step.done) {
        count += 1;
        if (toSkip > 0) toSkip -= 1;
        else {
          batch.push(this.parse(step.value, part.file, count));
          if (batch.length >= options.batchSize) {
            yield batch;
            batch = [];
          }
        }
        step = await lines.next();
      }
      this.compare(part, count, step.value.sha256);
    }
    if (batch.length > 0) yield batch;
  }

  async close(): Promise<void> {}

  private async checkPart(part: DumpManifest['parts'][number]): Promise<void> {
    const hash = createHash('sha256');
    let lines = 0;
    for await (const piece of createReadStream(join(this.directory, part.file))) {
      const buffer = piece as Buffer;
      hash.update(buffer);
      for (let index = buffer.indexOf(0x0a); index >= 0; index = buffer.indexOf(0x0a, index + 1)) lines += 1;
    }
    this.compare(part, lines, hash.digest('hex'));
  }

  private compare(part: DumpManifest['parts'][number], records: number, sha256: string): void {
    if (sha256 === part.sha256 && records === part.records) return;
    throw new ValidationError(
      `${join(this.directory, part.file)} does not match the manifest (expected ${part.records} records, SHA-256 ${part.sha256}; found ${records} records, ${sha256}). The dump is damaged or was edited: export it again.`,
    );
  }

  private readManifest(): DumpManifest {
    this.manifest ??= readManifest(this.directory);
    return this.manifest;
  }

  private parse(line: string, file: string, lineNumber: number): MigrationRecord {
    let value: Record<string, JsonValue>;
    try {
      value = JSON.parse(line) as Record<string, JsonValue>;
    } catch (error) {
      throw new ValidationError(`${file} line ${lineNumber} is not valid JSON: ${(error as Error).message}`);
    }
    if (this.readManifest().kind === 'conversations') {
      return reviveConversation(value as Parameters<typeof reviveConversation>[0]);
    }
    if (
      typeof value.source !== 'string' ||
      typeof value.text !== 'string' ||
      typeof value.position !== 'number'
    ) {
      throw new ValidationError(
        `${file} line ${lineNumber} is not a knowledge record (needs source, position, text).`,
      );
    }
    const record = value as unknown as Partial<KnowledgeRecord>;
    return {
      ...(record as KnowledgeRecord),
      location: record.location ?? {},
      metadata: record.metadata ?? {},
      embedding: record.embedding ?? null,
    };
  }
}
