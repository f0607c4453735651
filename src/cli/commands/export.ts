/** `godwit export <kb> --out DIR`: a knowledge base to a dump folder (docs/MIGRATION.md, "The dump format"). */
import { resolve } from 'node:path';
import type { Output } from '../output.ts';
import { type MigrateCommandOptions, migrateCommand } from './migrate.ts';

export type TransferOptions = Omit<MigrateCommandOptions, 'map' | 'template' | 'idColumn' | 'sourcePrefix'>;

export async function exportCommand(
  knowledgeBase: string,
  options: TransferOptions & { out: string },
  output: Output,
): Promise<number> {
  return migrateCommand(`godwit://${knowledgeBase}`, `dir://${resolve(options.out)}`, options, output);
}
