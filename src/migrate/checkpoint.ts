/**
 * Checkpoints: after each batch a sink has made durable, the number of source records done is written to a
 * small JSON file (atomically). `--resume` reads it and skips that many records; the sinks' idempotent
 * writes absorb any batch that was written but not yet counted when the process stopped.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export interface CheckpointState {
  source: string;
  target: string;
  /** Source records written and durable in the target. */
  done: number;
  startedAt: string;
  updatedAt: string;
}

export class Checkpoint {
  constructor(readonly path: string) {}

  load(): CheckpointState | undefined {
    if (!existsSync(this.path)) return undefined;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as CheckpointState;
    } catch (error) {
      throw new ValidationError(
        `The checkpoint ${this.path} is not readable (${(error as Error).message}). Delete it to start over.`,
      );
    }
  }

  save(state: CheckpointState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomic(this.path, JSON.stringify(state));
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}
