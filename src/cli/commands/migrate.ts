/**
 * `godwit migrate <source> <target>`, and `export` / `import`, which are migrations to and from a dump.
 * Progress goes to stderr; the report goes to stdout (Markdown, or one JSON document with --json) and to
 * files beside the checkpoint.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GodwitConfig } from '../../config/index.ts';
import {
  chromaStorageOverrides,
  MigrationResources,
  openDynamoDbConversations,
  openPostgresConversations,
  openSearchStorageOverrides,
} from '../../config/migration-endpoints.ts';
import { ValidationError } from '../../core/errors.ts';
import {
  buildReport,
  type EndpointContext,
  type Location,
  type MigrationProgress,
  type MigrationReport,
  openSink,
  openSource,
  parseLocation,
  planMigration,
  readConversationMap,
  renderMarkdown,
  runMigration,
  verifyMigration,
} from '../../migrate/index.ts';
import { createPricing } from '../../providers/pricing.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface MigrateCommandOptions extends GlobalOptions {
  reembed?: string;
  resume?: boolean;
  verify?: boolean;
  dryRun?: boolean;
  map?: string;
  template?: string;
  idColumn?: string;
  sourcePrefix?: string;
  embeddingModel?: string;
  batchSize?: string;
  concurrency?: string;
  report?: string;
  golden?: string;
  tenant?: string;
  json?: boolean;
  /** Environment for provider credentials (entry points pass process.env). */
  env?: Record<string, string | undefined>;
  /** Test hook: called after each checkpoint with the records done. */
  onCheckpoint?: (done: number) => void;
}

/** Exit 0 when the migration (and verification, if asked) succeeded, 1 when verification found differences. */
export async function migrateCommand(
  sourceText: string,
  targetText: string,
  options: MigrateCommandOptions,
  output: Output,
): Promise<number> {
  const sourceLocation = parseLocation(sourceText);
  const targetLocation = parseLocation(targetText);
  if (JSON.stringify(sourceLocation) === JSON.stringify(targetLocation)) {
    throw new ValidationError(
      `The source and the target are the same (${sourceText}): name a different target.`,
    );
  }
  const batchSize = positiveInteger(options.batchSize, '--batch-size', 500);
  const concurrency = positiveInteger(options.concurrency, '--concurrency', 4);
  const map = options.map ? readConversationMap(options.map) : undefined;
  const config = readConfig(options);
  const resources = new MigrationResources(config, options.reembed, options.env ?? {});
  try {
    const context: EndpointContext = {
      godwit: () => resources.godwit(),
      postgresConversations: (url) => openPostgresConversations(url),
      dynamoDbConversations: (table, url) => openDynamoDbConversations(table, url),
      openSearch: async (url) => ({
        ...(await resources.godwit(openSearchStorageOverrides(url))),
        location: `OpenSearch ${url.host} (catalogue in PostgreSQL)`,
      }),
      chroma: async (location) => ({
        ...(await resources.godwit(chromaStorageOverrides(location))),
        location: `Chroma ${new URL(location.baseUrl).host} (catalogue in ${config.database.url ? 'PostgreSQL' : `godwit data dir ${config.dataDir}`})`,
      }),
      tenantId: map?.tenant ?? options.tenant,
      ...(map ? { map } : {}),
      ...(options.template ? { template: readTemplate(options.template) } : {}),
      ...(options.idColumn ? { idColumn: options.idColumn } : {}),
      ...(options.sourcePrefix ? { sourcePrefix: options.sourcePrefix } : {}),
      ...(options.embeddingModel ? { embeddingModel: options.embeddingModel } : {}),
      parser: await folderParser(config, sourceLocation),
    };
    const source = resources.track(await openSource(sourceLocation, context));
    const kind = (await source.describe()).kind;
    const sink = await openSink(targetLocation, kind, context);
    resources.onClose(async () => {
      await sink.close();
      await sink.release?.();
    });
    const embedder = options.reembed ? await resources.embedder(options.reembed) : undefined;
    const plan = await planMigration(source, sink, {
      ...(embedder ? { reembedModel: embedder } : {}),
      pricing: createPricing(),
      estimateTexts: options.dryRun === true && embedder !== undefined,
    });
    if (options.dryRun) {
      // --dry-run --verify compares what the target holds now, writing nothing.
      const verification = options.verify
        ? await verifyMigration({
            source,
            target: resources.track(sink.reader()),
            vectors: plan.vectors,
            batchSize,
          })
        : null;
      const report = buildReport({ plan, result: null, verification, dryRun: true });
      emit(report, options, output);
      return report.ok ? 0 : 1;
    }
    const progress = createRateProgress(output, options.json === true);
    const result = await runMigration(plan, {
      source,
      sink,
      checkpointPath: checkpointPath(config, sourceLocation, targetLocation, sourceText, targetText),
      resume: options.resume === true,
      batchSize,
      ...(embedder ? { reembed: { embedder, concurrency } } : {}),
      onProgress: progress.update,
      ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
    });
    progress.stop(result.written);
    const verification = options.verify
      ? await verifyMigration({
          source,
          target: resources.track(sink.reader()),
          vectors: plan.vectors,
          batchSize,
          ...(options.golden && embedder
            ? { golden: { queries: readGolden(options.golden), embedder } }
            : {}),
        })
      : null;
    const report = buildReport({ plan, result, verification, dryRun: false });
    writeReportFiles(report, reportPrefix(options.report, config, targetLocation));
    emit(report, options, output);
    return report.ok ? 0 : 1;
  } finally {
    await resources.close();
  }
}

/** The document parser, loaded only for a folder-of-files source, with the configured chunking. */
async function folderParser(config: GodwitConfig, source: Location) {
  if (source.type !== 'dir' && source.type !== 's3') return undefined;
  const { createDocumentParser } = await import('../../ingest/index.ts');
  return createDocumentParser({
    maxFileBytes: config.ingest.maxFileBytes,
    maxChunkTokens: config.ingest.chunkTokens,
    chunkOverlapTokens: config.ingest.chunkOverlapTokens,
  });
}

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new ValidationError(`${flag} must be a positive integer, not "${value}".`);
  return number;
}

/** `--template @file.txt` reads the template from a file. */
function readTemplate(value: string): string {
  return value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
}

/** A golden set: JSON Lines of `{"query": "…", "relevant": ["record id", …]}`. */
function readGolden(path: string): Array<{ query: string; relevant: string[] }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const value = JSON.parse(line) as { query?: unknown; relevant?: unknown };
      if (typeof value.query !== 'string' || !Array.isArray(value.relevant)) {
        throw new ValidationError(
          `${path} line ${index + 1}: expected {"query": "…", "relevant": ["id", …]}.`,
        );
      }
      return { query: value.query, relevant: value.relevant.map(String) };
    });
}

/** A dump's checkpoint lives in the dump folder; any other target's in <data dir>/migrations/. */
function checkpointPath(
  config: GodwitConfig,
  source: Location,
  target: Location,
  sourceText: string,
  targetText: string,
): string {
  if (target.type === 'dir') return join(target.path, '.godwit-checkpoint.json');
  const id = createHash('sha256')
    .update(`${source.type}|${sourceText}|${targetText}`)
    .digest('hex')
    .slice(0, 16);
  return join(config.dataDir, 'migrations', `${id}.checkpoint.json`);
}

function reportPrefix(explicit: string | undefined, config: GodwitConfig, target: Location): string {
  if (explicit) return explicit;
  if (target.type === 'dir') return join(target.path, 'migration-report');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(config.dataDir, 'migrations', `report-${stamp}`);
}

function writeReportFiles(report: MigrationReport, prefix: string): void {
  mkdirSync(join(prefix, '..'), { recursive: true });
  writeFileSync(`${prefix}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${prefix}.md`, renderMarkdown(report));
}

function emit(report: MigrationReport, options: { json?: boolean }, output: Output): void {
  if (options.json) output.json(report);
  else output.line(renderMarkdown(report).trimEnd());
}

/** Records done, rate and ETA on stderr: a live line on a terminal, a line every few seconds otherwise. */
function createRateProgress(output: Output, quiet: boolean) {
  const started = performance.now();
  let lastPrinted = 0;
  let firstDone: number | undefined;
  const describe = ({ done, total }: MigrationProgress) => {
    const seconds = (performance.now() - started) / 1000;
    firstDone ??= done;
    const rate = seconds > 0 ? (done - firstDone) / seconds : 0;
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    return `migrated ${done}/${total} records (${percent}%), ${rate.toFixed(0)} records/s, ETA ${eta.toFixed(0)} s`;
  };
  return {
    update: (progress: MigrationProgress) => {
      if (quiet && !output.interactive) return;
      const now = performance.now();
      if (output.interactive) {
        process.stderr.write(`\r${describe(progress)}   `);
      } else if (now - lastPrinted > 2000 || progress.done >= progress.total) {
        lastPrinted = now;
        output.info(describe(progress));
      }
    },
    stop: (written: number) => {
      if (output.interactive) process.stderr.write('\n');
      if (!quiet) output.info(`migration finished: ${written} records written`);
    },
  };
}
