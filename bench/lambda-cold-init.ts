/**
 * Lambda bundle size and cold init. Bundles the API and ingest functions exactly as the CDK app does
 * (infra/src/lambda-bundle.ts), then starts fresh Node processes that import the bundle and serve one
 * request, as a Lambda cold start does (without the platform's own sandbox start-up).
 *
 *   npx tsx bench/lambda-cold-init.ts [--runs 7] [--quick]
 *
 * The API's first request is GET /readyz with PostgreSQL (GODWIT_TEST_POSTGRES_URL, default the local
 * test database): it includes connecting and checking the schema. The ingest function's first request is
 * an S3 test event (no object to read). Prints one JSON document on stdout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleLambda, type LambdaName } from '../infra/src/lambda-bundle.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsFlag = args.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : quick ? 3 : 7;
const postgresUrl = process.env.GODWIT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const API_EVENT = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/readyz',
  rawQueryString: '',
  headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  requestContext: {
    http: { method: 'GET', path: '/readyz', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    requestId: 'bench',
    routeKey: '$default',
    stage: '$default',
    time: '23/Nov/2026:06:00:00 +0000',
    timeEpoch: 0,
  },
  isBase64Encoded: false,
};
const INGEST_EVENT = {
  Records: [{ messageId: 'bench', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) }],
};

// Runs in the child: import, then one invocation; times from the child's own clock.
const CHILD = `
const { performance } = await import('node:perf_hooks');
const [entry, event] = [process.argv[1], JSON.parse(process.argv[2])];
const started = performance.now();
const module = await import(entry);
const imported = performance.now();
const result = await module.handler(event, { awsRequestId: 'bench' });
const served = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, firstRequestMs: served - imported,
  status: result.statusCode ?? (result.batchItemFailures ? 'batch:' + result.batchItemFailures.length : 'none') }) + '\\n');
process.exit(0);
`;

interface ColdStart {
  importMs: number;
  firstRequestMs: number;
  totalMs: number;
  processMs: number;
  status: unknown;
}

function coldStart(entry: string, event: unknown, env: Record<string, string>): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', CHILD, entry, JSON.stringify(event)],
      {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      const line = stdout
        .trim()
        .split('\n')
        .findLast((text) => text.startsWith('{"importMs"'));
      if (code !== 0 || !line)
        return reject(new Error(`cold start failed (${code}): ${stderr.slice(0, 500)}`));
      const measured = JSON.parse(line) as Omit<ColdStart, 'totalMs' | 'processMs'>;
      resolve({
        ...measured,
        totalMs: measured.importMs + measured.firstRequestMs,
        processMs: performance.now() - started,
      });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function zippedBytes(directory: string): number {
  const archive = join(tmpdir(), `godwit-bundle-${process.pid}-${Date.now()}.zip`);
  execFileSync('zip', ['-qr9', archive, '.'], { cwd: directory });
  const size = statSync(archive).size;
  rmSync(archive, { force: true });
  return size;
}

const workDir = mkdtempSync(join(tmpdir(), 'godwit-lambda-bench-'));
const results: Record<string, unknown> = {};
try {
  const cases: Array<{ name: LambdaName; event: unknown; env: Record<string, string> }> = [
    {
      name: 'api',
      event: API_EVENT,
      env: {
        GODWIT_DATABASE_URL: postgresUrl,
        GODWIT_DATA_DIR: join(workDir, 'data'),
        GODWIT_SAMPLE: 'false',
      },
    },
    { name: 'ingest', event: INGEST_EVENT, env: { GODWIT_DATA_DIR: join(workDir, 'data') } },
  ];
  for (const { name, event, env } of cases) {
    process.stderr.write(`bundling ${name}…\n`);
    const bundleStarted = performance.now();
    const bundle = await bundleLambda(name, join(workDir, name));
    const bundleMs = performance.now() - bundleStarted;
    const samples: ColdStart[] = [];
    for (let run = 0; run < runs; run += 1) {
      samples.push(await coldStart(bundle.entryFile, event, env));
      process.stderr.write(`  ${name} run ${run + 1}/${runs}: ${samples.at(-1)!.totalMs.toFixed(0)} ms\n`);
    }
    results[name] = {
      bundleMs: Math.round(bundleMs),
      files: bundle.files,
      totalBytes: bundle.totalBytes,
      zippedBytes: zippedBytes(bundle.outdir),
      entryBytes: bundle.entryBytes,
      status: samples[0]?.status,
      runs,
      importMsMedian: Math.round(median(samples.map((sample) => sample.importMs))),
      firstRequestMsMedian: Math.round(median(samples.map((sample) => sample.firstRequestMs))),
      coldInitMsMedian: Math.round(median(samples.map((sample) => sample.totalMs))),
      processMsMedian: Math.round(median(samples.map((sample) => sample.processMs))),
    };
  }
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...results }, null, 2)}\n`,
  );
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
