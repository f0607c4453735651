/**
 * Vacuums the keyword tables on PGlite, which runs no autovacuum. Keyword search reads postings with
 * index-only scans, and those skip the table only for pages the visibility map marks all-visible, which
 * only VACUUM does; without it every posting costs a table page visit (about twice the search time on
 * SciFact), and replaced chunks would leave dead rows forever. A PostgreSQL server's autovacuum does the
 * same job, so there this runs only when autovacuum is turned off.
 *
 * On PGlite, keyword search now reads an in-process index and no postings rows are written there
 * (embedded-keyword-index.ts): the writes counted are the chunk rows deleted, and the vacuum keeps replaced
 * chunks from leaving dead rows forever.
 *
 * Like autovacuum, it runs once the rows written since the last run pass a share of the table, so the
 * work stays proportional to what was written. It runs after the write that crossed the threshold, on a
 * later turn of the event loop: never inside a request, which answers as soon as its write commits.
 */
import type { SqlClient } from './sql-client.ts';

/** Rows written before the first vacuum, and the floor of the threshold after it. */
const MINIMUM_ROWS = 2000;
/** Share of the table written since the last vacuum that triggers the next one. */
const SCALE = 0.05;

/**
 * The planner's statistics on the documents table, which autovacuum's ANALYZE keeps on a server and
 * nothing keeps on PGlite. Without them PostgreSQL cannot tell the unique (base, source) index from the
 * broader (tenant, base) one: looking a document up by its source walked every document of the base, 24 ms
 * at 5,000 documents. A plan only needs to know that sources are distinct, which holds as the table grows,
 * so the three columns the lookups filter on are analyzed once the table has rows (at least 500 written, or
 * at open), and again each time it has grown tenfold: 15–55 ms at 5,000 documents.
 */
const ANALYZE_MINIMUM_ROWS = 500;
/** Growth since the last ANALYZE, as a share of the table then, that calls for the next. */
const ANALYZE_GROWTH = 9;
/**
 * The ANALYZE an open finds due waits this long, so it never competes with a start; a process that closes
 * sooner (a CLI command) leaves it to the next open.
 */
const ANALYZE_AT_OPEN_DELAY_MS = 3000;

/**
 * Maintenance for `client`: on for PGlite, and on PostgreSQL only where autovacuum is off. `autovacuum` is
 * the server's setting when the caller has already read it (the schema probe does); otherwise it is asked.
 */
export async function openPostingsMaintenance(
  client: SqlClient,
  autovacuum?: boolean,
): Promise<PostingsMaintenance> {
  if (client.engine === 'pglite') {
    const maintenance = new PostingsMaintenance(client, true);
    await maintenance.analyzeIfGrown(ANALYZE_AT_OPEN_DELAY_MS);
    return maintenance;
  }
  if (autovacuum !== undefined) return new PostingsMaintenance(client, !autovacuum);
  const [setting] = await client.query<{ on: boolean }>("SELECT current_setting('autovacuum') = 'on' AS on");
  return new PostingsMaintenance(client, setting?.on !== true);
}

export class PostingsMaintenance {
  private pendingRows = 0;
  private thresholdRows = MINIMUM_ROWS;
  private running: Promise<void> | undefined;
  private scheduled: Promise<void> | undefined;
  private pendingDocuments = 0;
  private analyzeThreshold = ANALYZE_MINIMUM_ROWS;
  private analyzing: Promise<void> | undefined;
  private deferred: NodeJS.Timeout | undefined;

  /** `enabled` defaults to on for PGlite only; `openPostingsMaintenance` also asks a server. */
  constructor(
    private readonly client: SqlClient,
    private readonly enabled = client.engine === 'pglite',
  ) {}

  /**
   * Counts rows written (inserted or deleted posting rows) and, when they pass the threshold, schedules a
   * vacuum for a later turn of the event loop. Returns at once; `idle()` waits for the scheduled run.
   */
  recordWrites(rows: number): void {
    if (!this.enabled || rows === 0) return;
    this.pendingRows += rows;
    if (this.pendingRows >= this.thresholdRows) this.schedule();
  }

  /** Schedules a vacuum for a later turn of the event loop (after a base's deletion, say). */
  schedule(): void {
    if (!this.enabled) return;
    this.scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.scheduled = undefined;
      return this.vacuum();
    });
  }

  /**
   * Counts documents written (inserted or replaced) and, past the threshold, schedules an ANALYZE of the
   * documents table for a later turn of the event loop. Returns at once.
   */
  recordDocumentWrites(rows: number): void {
    if (!this.enabled || rows === 0) return;
    this.pendingDocuments += rows;
    if (this.pendingDocuments >= this.analyzeThreshold) this.scheduleAnalyze();
  }

  /**
   * At open: schedules an ANALYZE, `delayMs` later, when the documents table holds rows it never analyzed,
   * or has grown tenfold in pages since the last one. A delayed run not yet started when the maintenance is
   * flushed (at close) is dropped. Never throws.
   */
  async analyzeIfGrown(delayMs = 0): Promise<void> {
    if (!this.enabled) return;
    try {
      const [table] = await this.client.query<{ analyzed: number; pages: number; rows: number }>(
        `SELECT relpages::float8 AS analyzed, reltuples::float8 AS rows,
                pg_relation_size('documents'::regclass)::float8 / current_setting('block_size')::float8 AS pages
           FROM pg_class WHERE oid = 'documents'::regclass`,
      );
      if (!table) return;
      if (table.rows >= 0)
        this.analyzeThreshold = Math.max(ANALYZE_MINIMUM_ROWS, ANALYZE_GROWTH * table.rows);
      const grown =
        table.rows < 0 ? table.pages > 0 : table.pages > table.analyzed * (1 + ANALYZE_GROWTH) + 1;
      if (grown && delayMs > 0) this.deferAnalyze(delayMs);
      else if (grown) this.scheduleAnalyze();
    } catch {
      // Statistics only steer plans; a database that cannot answer here fails its next real query instead.
    }
  }

  /** Resolves once no vacuum or ANALYZE is scheduled or running. */
  async idle(): Promise<void> {
    while (this.scheduled || this.running || this.analyzing)
      await (this.scheduled ?? this.running ?? this.analyzing);
  }

  /**
   * Vacuums if anything was written since the last run (at close, so the next process starts clean); drops
   * a deferred ANALYZE that has not started.
   */
  async flush(): Promise<void> {
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = undefined;
    await this.idle();
    if (this.enabled && this.pendingRows > 0) await this.vacuum();
  }

  /** Vacuums now (after a migration has rewritten the tables). Never throws. */
  vacuum(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    // One run at a time: writers that cross the threshold together share it.
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private deferAnalyze(delayMs: number): void {
    if (this.deferred) return;
    this.deferred = setTimeout(() => {
      this.deferred = undefined;
      this.scheduleAnalyze();
    }, delayMs);
    // A process with nothing else to do exits without waiting for it.
    this.deferred.unref();
  }

  private scheduleAnalyze(): void {
    this.analyzing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.analyze())
      .finally(() => {
        this.analyzing = undefined;
      });
  }

  private async analyze(): Promise<void> {
    this.pendingDocuments = 0;
    try {
      await this.client.execute('ANALYZE documents (tenant_id, knowledge_base_id, source)');
      const [table] = await this.client.query<{ rows: number }>(
        "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'documents'::regclass",
      );
      this.analyzeThreshold = Math.max(ANALYZE_MINIMUM_ROWS, ANALYZE_GROWTH * (table?.rows ?? 0));
    } catch {
      // As for the vacuum: the writes are committed, and the next threshold tries again.
    }
  }

  private async run(): Promise<void> {
    this.pendingRows = 0;
    try {
      await this.client.execute('VACUUM chunk_terms, chunks');
      const [table] = await this.client.query<{ rows: number }>(
        "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'chunk_terms'::regclass",
      );
      this.thresholdRows = Math.max(MINIMUM_ROWS, SCALE * (table?.rows ?? 0));
    } catch {
      // Only speed is at stake, and the writes that led here are committed: their caller must not see
      // an error. The next threshold tries again.
    }
  }
}
