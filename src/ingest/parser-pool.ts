/**
 * A DocumentParser that parses and chunks on worker threads, so a large upload (50 MiB by default) does not
 * block the event loop that answers /healthz and every other request. Workers start on first use, take one
 * file at a time, and are kept (unreferenced, so they never hold a process open) for the next file. A worker
 * idle for `workerIdleMs` (30 s by default) stops, and gives back the memory of the parsers it loaded: about
 * 45 MiB once it has read a PDF, a DOCX and an XLSX. The next file that needs one starts another.
 *
 * A small text file (Markdown, plain text, HTML, CSV, TSV, JSON, JSON Lines; up to `inProcessBytes`, 64 KiB
 * by default) is parsed on the calling thread: about 2 ms for 64 KiB of Markdown once warm (the worst
 * hostile file tried took about 120 ms). That is less than handing the file to a worker and its chunks
 * back, and a folder of such files never starts a worker at all. PDF, DOCX and XLSX always go to a worker,
 * whatever their size: their parsers take seconds to load.
 *
 * Where the worker's file does not exist beside this module (a single-file bundle, as on Lambda) or
 * `workers` is 0, files are parsed on the calling thread, as createDocumentParser does.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, IngestError } from '../core/errors.ts';
import type { ChunkDraft, DocumentParser, ParsedDocument } from '../core/ports.ts';
import { createDocumentParser, type DocumentParserOptions } from './document-parser.ts';
import { type FormatId, resolveFormat, SUPPORTED_EXTENSIONS } from './media-types.ts';
import { deserializeParseError } from './parse-errors.ts';
import type { NextPartRequest, ParseReply, ParseRequest } from './parse-messages.ts';

export interface ParserPoolOptions extends DocumentParserOptions {
  /** Worker threads. Default: the cores less one for the event loop, from 1 to 4. 0 parses in-process. */
  workers?: number;
  /** Largest text file parsed on the calling thread rather than a worker, in bytes. Default 64 KiB; 0 = none. */
  inProcessBytes?: number;
  /** How long an idle worker thread waits for the next file before it stops, in milliseconds. Default 30,000. */
  workerIdleMs?: number;
}

export interface ParserPool extends DocumentParser {
  /** Worker threads this pool may run; 0 when it parses on the calling thread. */
  readonly threads: number;
  /** Worker threads started so far (0 until a file needs one). */
  readonly startedThreads: number;
  /** Worker threads running now, busy or idle. */
  readonly runningThreads: number;
  /** Stops the workers; files being parsed fail. */
  close(): Promise<void>;
}

interface Task {
  request: ParseRequest;
  /** Chunks the worker has sent ahead of its final reply. */
  received: ChunkDraft[][];
  resolve: (document: ParsedDocument) => void;
  reject: (error: Error) => void;
}

/**
 * @example
 * const parser = createParserPool({ maxFileBytes: 50 * 1024 * 1024 });
 * const { chunks } = await parser.parse({ source: 'big.pdf', bytes });
 */
export function createParserPool(options: ParserPoolOptions = {}): ParserPool {
  const {
    workers,
    inProcessBytes = DEFAULT_IN_PROCESS_BYTES,
    workerIdleMs = DEFAULT_WORKER_IDLE_MS,
    ...parserOptions
  } = options;
  if (!Number.isInteger(inProcessBytes) || inProcessBytes < 0) {
    throw new ConfigError(
      `inProcessBytes must be a whole number of bytes, 0 or more; got ${inProcessBytes}.`,
    );
  }
  if (!Number.isInteger(workerIdleMs) || workerIdleMs < 0) {
    throw new ConfigError(
      `workerIdleMs must be a whole number of milliseconds, 0 or more; got ${workerIdleMs}.`,
    );
  }
  const inProcess = createDocumentParser(parserOptions);
  const entry = workerEntry();
  const size = entry === null ? 0 : (workers ?? defaultWorkers());
  if (size === 0)
    return { ...inProcess, threads: 0, startedThreads: 0, runningThreads: 0, close: async () => {} };
  return new WorkerParserPool(entry!, size, parserOptions, inProcess, inProcessBytes, workerIdleMs);
}

const DEFAULT_IN_PROCESS_BYTES = 64 * 1024;
const DEFAULT_WORKER_IDLE_MS = 30_000;

/** Formats whose loaders are light to load and linear in the file's size. */
const IN_PROCESS_FORMATS: ReadonlySet<FormatId> = new Set([
  'markdown',
  'text',
  'html',
  'csv',
  'tsv',
  'json',
  'jsonl',
]);

/**
 * Whether a file is small and of a text format. A file of no supported format is parsed here too: the
 * parser refuses it without loading anything.
 */
function parsesInProcess(input: ParseRequest['input'], inProcessBytes: number): boolean {
  if (input.bytes.byteLength > inProcessBytes) return false;
  try {
    return IN_PROCESS_FORMATS.has(resolveFormat(input.source, input.bytes, input.mimeType).id);
  } catch {
    return true;
  }
}

function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** The worker module beside this one: `.ts` when running from the sources, `.js` in the compiled build. */
function workerEntry(): URL | null {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./parse-worker${extension}`, import.meta.url);
  return entry.protocol === 'file:' && existsSync(fileURLToPath(entry)) ? entry : null;
}

/**
 * From the TypeScript sources the worker needs tsx's loader before its first import; the compiled build
 * runs as it is.
 */
function startWorker(entry: URL, parserOptions: DocumentParserOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: parserOptions });
  // tsx's ES module build of its API (its CommonJS build cannot register hooks from an eval'd worker).
  const tsxRequired = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(tsxRequired.replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = [
    "const { workerData } = require('node:worker_threads');",
    'import(workerData.tsx).then(({ register }) => { register(); return import(workerData.entry); });',
  ].join('\n');
  return new Worker(bootstrap, {
    eval: true,
    workerData: { ...parserOptions, tsx, entry: entry.href },
  });
}

class WorkerParserPool implements ParserPool {
  readonly supportedExtensions = SUPPORTED_EXTENSIONS;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  /** When each idle worker stops, unless a file comes first. */
  private readonly retirements = new Map<Worker, NodeJS.Timeout>();
  private running = 0;
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  startedThreads = 0;

  constructor(
    private readonly entry: URL,
    readonly threads: number,
    private readonly parserOptions: DocumentParserOptions,
    private readonly inProcess: DocumentParser,
    private readonly inProcessBytes: number,
    private readonly workerIdleMs: number,
  ) {}

  get runningThreads(): number {
    return this.running;
  }

  parse(input: ParseRequest['input']): Promise<ParsedDocument> {
    if (this.closed) return Promise.reject(new IngestError('The document parser has been closed.'));
    if (parsesInProcess(input, this.inProcessBytes)) return this.inProcess.parse(input);
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, input }, received: [], resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retirements.values()) clearTimeout(timer);
    this.retirements.clear();
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.threads ? this.spawn() : undefined);
      if (!worker) return;
      clearTimeout(this.retirements.get(worker));
      this.retirements.delete(worker);
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      // A worker at work keeps the process alive until it answers; an idle one does not.
      worker.ref();
      worker.postMessage(task.request);
    }
  }

  private spawn(): Worker {
    const worker = startWorker(this.entry, this.parserOptions);
    this.startedThreads++;
    this.running++;
    worker.on('message', (reply: ParseReply) => this.settle(worker, reply));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      this.running--;
      this.fail(worker, new Error(`the parsing thread stopped (exit code ${code})`));
    });
    return worker;
  }

  private settle(worker: Worker, reply: ParseReply): void {
    const task = this.busy.get(worker);
    if (reply.chunks) {
      if (task && task.request.id === reply.id) {
        task.received.push(reply.chunks);
        // The next part once other requests have had their turn.
        setImmediate(() => {
          if (this.busy.get(worker) === task)
            worker.postMessage({ id: reply.id, next: true } satisfies NextPartRequest);
        });
      }
      return;
    }
    this.busy.delete(worker);
    worker.unref();
    this.idle.push(worker);
    this.retireWhenIdle(worker);
    if (task && task.request.id === reply.id) {
      if (reply.error) task.reject(deserializeParseError(reply.error));
      else task.resolve({ ...reply.document, chunks: task.received.flat().concat(reply.document.chunks) });
    }
    this.dispatch();
  }

  /** Stops `worker` once it has waited `workerIdleMs` for a file; dispatching one to it cancels this. */
  private retireWhenIdle(worker: Worker): void {
    const timer = setTimeout(() => {
      this.retirements.delete(worker);
      const idleIndex = this.idle.indexOf(worker);
      if (idleIndex < 0) return;
      this.idle.splice(idleIndex, 1);
      void worker.terminate();
    }, this.workerIdleMs);
    timer.unref();
    this.retirements.set(worker, timer);
  }

  /** A worker that crashed (out of memory in a hostile file, say) fails its file only; a new one replaces it. */
  private fail(worker: Worker, error: Error): void {
    clearTimeout(this.retirements.get(worker));
    this.retirements.delete(worker);
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    const idleIndex = this.idle.indexOf(worker);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    if (task) {
      const source = task.request.input.source;
      task.reject(
        new IngestError(`${source} could not be parsed: ${error.message}. Check the file and try again.`, {
          cause: error,
          details: { source, reason: 'parser_failed' },
        }),
      );
    }
    if (!this.closed) this.dispatch();
  }
}
