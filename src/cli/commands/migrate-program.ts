/**
 * The `migrate`, `export` and `import` commands' options and help. Their code (storage adapters, the dump
 * format, the migration engine) loads only when one of them runs, so other commands start without it.
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../context.ts';
import type { Output } from '../output.ts';
import type { TransferOptions } from './export.ts';
import type { MigrateCommandOptions } from './migrate.ts';

type Runner = <A extends unknown[]>(
  handler: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** Adds `migrate`, `export` and `import` to the program. */
export function registerMigrationCommands(
  program: Command,
  output: Output,
  run: Runner,
  globals: () => GlobalOptions,
): void {
  const env = process.env;
  const common = (command: Command) =>
    command
      .option('--resume', 'continue from the last checkpoint of the same migration')
      .option(
        '--verify',
        'compare the target with the source afterwards (ids, checksums, metadata, retrieval)',
      )
      .option('--dry-run', 'print the plan, the counts and the cost of re-embedding; write nothing')
      .option('--reembed <model>', 'embed the texts again with provider:model-id')
      .option('--batch-size <n>', 'records per batch (default 500)')
      .option('--concurrency <n>', 'embedding calls in flight when re-embedding (default 4)')
      .option('--report <prefix>', 'write the report to PREFIX.md and PREFIX.json')
      .option('--json', 'print the report as one JSON document');
  common(
    program
      .command('migrate <source> <target>')
      .description('move knowledge or conversations between Chroma, PostgreSQL, dumps and Godwit')
      .option('--map <file>', 'YAML column mapping for a PostgreSQL conversation source')
      .option(
        '--template <text>',
        'document text for each row of a ?query= source, with {{column}} (or @file)',
      )
      .option('--id-column <name>', 'column naming each row of a ?query= source (default id)')
      .option('--source-prefix <text>', 'prefix for the document source of each row')
      .option('--embedding-model <model>', 'provider:model-id that made the source vectors (Chroma)')
      .option('--golden <file>', 'JSONL {"query","relevant":[ids]} for recall after re-embedding')
      .option('--tenant <id>', 'Godwit tenant to write into (default "default")'),
  ).action(
    run((source: string, target: string, options: MigrateCommandOptions) =>
      import('./migrate.ts').then(({ migrateCommand }) =>
        migrateCommand(source, target, { ...globals(), ...options, env }, output),
      ),
    ),
  );
  common(
    program
      .command('export <kb>')
      .description('write a knowledge base to a dump folder (manifest.json + JSON Lines)')
      .requiredOption('--out <dir>', 'dump folder (created; must be empty)'),
  ).action(
    run((knowledgeBase: string, options: TransferOptions & { out: string }) =>
      import('./export.ts').then(({ exportCommand }) =>
        exportCommand(knowledgeBase, { ...globals(), ...options, env }, output),
      ),
    ),
  );
  common(
    program
      .command('import <dir>')
      .description('load a dump folder into a knowledge base (or conversations into the conversation store)')
      .option('--kb <name>', 'target knowledge base (created when missing)'),
  ).action(
    run((directory: string, options: TransferOptions & { kb?: string }) =>
      import('./import.ts').then(({ importCommand }) =>
        importCommand(directory, { ...globals(), ...options, env }, output),
      ),
    ),
  );
}
