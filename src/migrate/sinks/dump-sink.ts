/**
 * Writes records into a dump folder: JSON Lines parts of RECORDS_PER_PART records, then `manifest.json`
 * with counts and checksums once every record is written. A resumed export cuts the parts back to exactly
 * the records its checkpoint counted, so a record written after the last checkpoint is not written twice.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../core/errors.ts';
import { offsetAfterLines, readLines } from '../dump/json-lines.ts';
import {
  DUMP_FORMAT,
  DUMP_SCHEMA_VERSION,
  type DumpManifest,
  MANIFEST_FILE,
  partFileName,
  RECORDS_PER_PART,
} from '../dump/manifest.ts';
import type { MigrationSink, MigrationSource, SinkPlan } from '../ports.ts';
import type { KnowledgeRecord, MigrationKind, MigrationRecord } from '../records.ts';
import { DumpSource } from '../sources/dump-source.ts';
import { writeFileAtomic } from '../write-file-atomic.ts';

export class DumpSink implements MigrationSink {
  readonly location: string;
  private plan: SinkPlan | undefined;
  private partIndex = 0;
  private partRecords = 0;
  private descriptor: number | undefined;

  constructor(
    private readonly directory: string,
    readonly kind: MigrationKind,
  ) {
    this.location = `dir://${directory}`;
  }

  async prepare(plan: SinkPlan): Promise<void> {
    this.plan = plan;
    mkdirSync(this.directory, { recursive: true });
    const parts = this.existingParts();
    if (!plan.resume) {
      if (existsSync(join(this.directory, MANIFEST_FILE)) || parts.length > 0) {
        throw new ConflictError(
          `${this.directory} already holds a dump. Choose an empty folder, or delete it to export again.`,
        );
      }
      return;
    }
    rmSync(join(this.directory, MANIFEST_FILE), { force: true });
    await this.cutBackTo(parts, plan.resumeFrom);
  }

  async write(records: MigrationRecord[]): Promise<number> {
    for (const record of records) {
      if (this.descriptor === undefined || this.partRecords >= RECORDS_PER_PART) this.openNextPart();
      writeSync(this.descriptor!, `${JSON.stringify(record)}\n`);
      this.partRecords += 1;
    }
    if (this.descriptor !== undefined) fsyncSync(this.descriptor);
    return records.length;
  }

  async finish(): Promise<number> {
    this.closePart();
    const plan = this.plan!;
    const parts: DumpManifest['parts'] = [];
    let records = 0;
    let withEmbedding = 0;
    for (const file of this.existingParts()) {
      const lines = readLines(join(this.directory, file));
      let count = 0;
      let step = await lines.next();
      while (!step.done) {
        count += 1;
        if (this.kind === 'knowledge' && (JSON.parse(step.value) as KnowledgeRecord).embedding)
          withEmbedding += 1;
        step = await lines.next();
      }
      parts.push({ file, records: count, bytes: step.value.bytes, sha256: step.value.sha256 });
      records += count;
    }
    const manifest: DumpManifest = {
      format: DUMP_FORMAT,
      schemaVersion: DUMP_SCHEMA_VERSION,
      kind: this.kind,
      createdAt: new Date().toISOString(),
      source: {
        location: plan.source.location,
        name: plan.source.name,
        ...(plan.source.description ? { description: plan.source.description } : {}),
      },
      embedding: plan.embedding,
      counts: { records, withEmbedding },
      parts,
    };
    writeFileAtomic(join(this.directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  }

  async discard(): Promise<void> {
    this.closePart();
    for (const file of this.existingParts()) rmSync(join(this.directory, file));
  }

  reader(): MigrationSource {
    return new DumpSource(this.directory);
  }

  async close(): Promise<void> {
    this.closePart();
  }

  private existingParts(): string[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((file) => file.startsWith(`${this.kind}-`) && file.endsWith('.jsonl'))
      .sort();
  }

  /** Keeps the first `keep` records across the parts in order; removes everything after them. */
  private async cutBackTo(parts: string[], keep: number): Promise<void> {
    let remaining = keep;
    for (const file of parts) {
      const path = join(this.directory, file);
      if (remaining === 0) {
        rmSync(path);
        continue;
      }
      const { offset, lines } = await offsetAfterLines(path, remaining);
      truncateSync(path, offset);
      remaining -= lines;
      this.partIndex = Number(file.slice(this.kind.length + 1, -'.jsonl'.length));
      this.partRecords = lines;
    }
    if (this.partRecords > 0) {
      this.descriptor = openSync(join(this.directory, partFileName(this.kind, this.partIndex)), 'a');
    }
  }

  private openNextPart(): void {
    this.closePart();
    this.partIndex += 1;
    this.partRecords = 0;
    this.descriptor = openSync(join(this.directory, partFileName(this.kind, this.partIndex)), 'a');
  }

  private closePart(): void {
    if (this.descriptor === undefined) return;
    closeSync(this.descriptor);
    this.descriptor = undefined;
  }
}
