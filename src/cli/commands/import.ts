/**
 * `godwit import DIR --kb NAME`: a dump folder into a knowledge base (or, for a dump of conversations, into
 * the configured conversation store).
 */
import { resolve } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import { readManifest } from '../../migrate/index.ts';
import type { Output } from '../output.ts';
import type { TransferOptions } from './export.ts';
import { migrateCommand } from './migrate.ts';

export async function importCommand(
  directory: string,
  options: TransferOptions & { kb?: string },
  output: Output,
): Promise<number> {
  const manifest = readManifest(resolve(directory));
  if (manifest.kind === 'knowledge' && !options.kb) {
    throw new ValidationError(`${directory} holds a knowledge base: name the target with --kb NAME.`);
  }
  const target = manifest.kind === 'knowledge' ? `godwit://${options.kb}` : 'godwit://';
  return migrateCommand(`dir://${resolve(directory)}`, target, options, output);
}
