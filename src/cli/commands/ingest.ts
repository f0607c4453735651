import { basename } from 'node:path';
import { createConfiguredUrlGuard } from '../../config/configured-url-guard.ts';
import { ValidationError } from '../../core/errors.ts';
import { failedOutcome, type IngestOutcome } from '../../core/knowledge/knowledge-service.ts';
import { SUPPORTED_EXTENSIONS } from '../../ingest/index.ts';
import { openBackend } from '../backend.ts';
import type { CliBackend } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import { collectInput } from '../files.ts';
import type { Output } from '../output.ts';
import { createProgress } from '../progress.ts';
import { RemoteBackend } from '../remote-backend.ts';

export interface IngestCommandOptions extends GlobalOptions {
  kb: string;
  json?: boolean;
  /** A Godwit server to send the files to (`--server URL`), instead of this machine's data dir. */
  server?: string;
}

export interface IngestSummary {
  knowledgeBase: string;
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  chunks: number;
  skipped: Array<{ source: string; reason: string }>;
  seconds: number;
}

/** `godwit ingest <path|url> --kb NAME`: exit 0 when every file was indexed, 1 when any was skipped as bad. */
export async function ingestCommand(
  target: string,
  options: IngestCommandOptions,
  output: Output,
): Promise<number> {
  const started = performance.now();
  const server = options.server === undefined ? undefined : serverUrl(options.server);
  const config = readConfig(options);
  const urlGuard = createConfiguredUrlGuard(config, config.ingest.maxFileBytes);
  const input = await collectInput(target, SUPPORTED_EXTENSIONS, urlGuard);
  const backend: CliBackend = server
    ? new RemoteBackend(server)
    : await openBackend({ config, command: 'ingest', output, sample: false });
  const outcomes: IngestOutcome[] = [];
  const progress = createProgress(output, input.files.length, options.json === true && !output.interactive);
  try {
    const heard = (outcome: IngestOutcome) => {
      outcomes.push(outcome);
      progress.tick(`${basename(outcome.source)} ${outcome.status}`);
    };
    // A file that cannot be read (removed since the folder was listed, a link that leads nowhere) fails
    // alone, with its reason; the others go on.
    const read = async function* () {
      for (const file of input.files) {
        let content: Awaited<ReturnType<typeof file.read>>;
        try {
          content = await file.read();
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          heard(failedOutcome(file.source, error));
          continue;
        }
        yield {
          source: file.source,
          bytes: content.bytes,
          ...(content.mimeType ? { mimeType: content.mimeType } : {}),
        };
      }
    };
    // Both a local data dir and a server take the files in batches (one storage write, or one request, for
    // many files); a backend without batches takes them one by one.
    if (backend.ingestMany) await backend.ingestMany(options.kb, read(), heard);
    else for await (const file of read()) heard(await backend.ingest(options.kb, file));
  } finally {
    progress.stop();
    await backend.close();
  }
  const summary = summarize(options.kb, outcomes, input.skipped, (performance.now() - started) / 1000);
  if (options.json) output.json(summary);
  else printSummary(summary, output);
  const bad = outcomes.some((outcome) => outcome.status === 'failed');
  return bad || input.files.length === 0 ? 1 : 0;
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(
      `--server: "${value}" is not a URL; give the server's base URL, e.g. https://api.example.com.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`--server: "${value}" is not an http(s) URL; give the server's base URL.`);
  }
  return url.href;
}

function summarize(
  knowledgeBase: string,
  outcomes: IngestOutcome[],
  unsupported: Array<{ source: string; reason: string }>,
  seconds: number,
): IngestSummary {
  const count = (status: IngestOutcome['status']) =>
    outcomes.filter((outcome) => outcome.status === status).length;
  return {
    knowledgeBase,
    files: outcomes.length,
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    chunks: outcomes.reduce((sum, outcome) => sum + (outcome.status === 'unchanged' ? 0 : outcome.chunks), 0),
    skipped: [
      ...outcomes
        .filter((outcome) => outcome.status === 'failed')
        .map((outcome) => ({ source: outcome.source, reason: outcome.error ?? 'failed' })),
      ...unsupported,
    ],
    seconds: Math.round(seconds * 100) / 100,
  };
}

function printSummary(summary: IngestSummary, output: Output): void {
  output.line(
    `Knowledge base "${summary.knowledgeBase}": ${summary.files} files (${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged), ${summary.chunks} chunks indexed in ${summary.seconds.toFixed(1)} s.`,
  );
  if (summary.files === 0 && summary.skipped.length === 0) output.line('No files found to ingest.');
  if (summary.skipped.length > 0) {
    output.line(`Skipped ${summary.skipped.length}:`);
    for (const entry of summary.skipped) output.line(`  - ${entry.source}: ${entry.reason}`);
  }
}
