/**
 * Lambda bundle size and cold init. Bundles the API and ingest functions exactly as the CDK app does
 * (infra/src/lambda-bundle.ts), then starts fresh Node processes that import the bundle and serve one
 * request, as a Lambda cold start does (without the platform's own sandbox start-up).
 *
 *   npx tsx bench/lambda-cold-init.ts [--runs 7] [--quick]
 *
 * The API's first request is GET /readyz, twice over: with PostgreSQL (GODWIT_TEST_POSTGRES_URL, default
 * the local test database; connecting and checking the schema), and on the serverless profile the stack
 * deploys with an outside vector store (DynamoDB on dynalite, S3 Vectors on its emulator, S3 on s3rver;
 * no relational database). The ingest function's first request is
 * an S3 test event (no object to read). Prints one JSON document on stdout, with esbuild's account of the
 * bundle: the bytes Node loads at import (`initBytes`), and the largest files and packages.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Metafile } from 'esbuild';
import { type BundleResult, bundleLambda, type LambdaName } from '../infra/src/lambda-bundle.ts';
import { type DynaliteServer, startDynalite } from '../test/support/dynalite-server.ts';
import { type S3rverServer, startS3rver } from '../test/support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../test/support/s3vectors-emulator.ts';

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

/** Output files Node loads when it imports the entry: the entry and its static imports, transitively. */
function loadedAtInit(metafile: Metafile): Set<string> {
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith('/index.mjs'));
  const seen = new Set<string>();
  const pending = entry ? [entry] : [];
  while (pending.length > 0) {
    const output = pending.pop()!;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && metafile.outputs[imported.path])
        pending.push(imported.path);
    }
  }
  return seen;
}

/** `node_modules/@scope/name/…` → `@scope/name`; `src/storage/postgres/x.ts` → `src/storage`. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? input.split('/').slice(0, 2).join('/');
}

function largest(sizes: Map<string, number>, count: number): Array<{ name: string; kb: number }> {
  return [...sizes]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([name, bytes]) => ({ name, kb: Math.round(bytes / 1024) }));
}

function breakdown(metafile: Metafile) {
  const atInit = loadedAtInit(metafile);
  const packages = new Map<string, number>();
  const packagesAtInit = new Map<string, number>();
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      const name = packageOf(input);
      packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
      if (atInit.has(output)) packagesAtInit.set(name, (packagesAtInit.get(name) ?? 0) + bytesInOutput);
    }
  }
  const outputs = Object.entries(metafile.outputs).map(([path, output]) => ({
    name: `${path.split('/').at(-1)}${atInit.has(path) ? ' (init)' : ''}${output.entryPoint ? ` ← ${output.entryPoint}` : ''}`,
    bytes: output.bytes,
  }));
  return {
    initBytes: [...atInit].reduce((sum, path) => sum + (metafile.outputs[path]?.bytes ?? 0), 0),
    largestFiles: largest(new Map(outputs.map((output) => [output.name, output.bytes])), 8),
    largestPackages: largest(packages, 12),
    largestPackagesAtInit: largest(packagesAtInit, 8),
  };
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
const aws: { dynamo?: DynaliteServer; s3?: S3rverServer; vectors?: S3VectorsEmulator } = {};
try {
  [aws.dynamo, aws.s3, aws.vectors] = await Promise.all([
    startDynalite(),
    startS3rver('godwit-bench'),
    startS3VectorsEmulator({ buckets: ['godwit-bench-vectors'] }),
  ]);
  // The profile the CDK stack deploys with an outside vector store: no relational database at all.
  const serverless = (createTables: boolean): Record<string, string> => ({
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    GODWIT_DATA_DIR: join(workDir, 'data'),
    GODWIT_SAMPLE: 'false',
    GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
    GODWIT_STORAGE__VECTORS: 's3vectors',
    GODWIT_STORAGE__BLOBS: 's3',
    GODWIT_STORAGE__DYNAMODB__TABLE_PREFIX: 'bench-',
    GODWIT_STORAGE__DYNAMODB__REGION: 'us-east-1',
    GODWIT_STORAGE__DYNAMODB__ENDPOINT: aws.dynamo!.endpoint,
    GODWIT_STORAGE__DYNAMODB__CREATE_TABLES: String(createTables),
    GODWIT_STORAGE__S3VECTORS__BUCKET: 'godwit-bench-vectors',
    GODWIT_STORAGE__S3VECTORS__REGION: 'us-east-1',
    GODWIT_STORAGE__S3VECTORS__ENDPOINT: aws.vectors!.url,
    GODWIT_STORAGE__S3__BUCKET: aws.s3!.bucket,
    GODWIT_STORAGE__S3__REGION: 'us-east-1',
    GODWIT_STORAGE__S3__ENDPOINT: aws.s3!.endpoint,
    GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
  });
  const cases: Array<{
    label: string;
    name: LambdaName;
    event: unknown;
    env: Record<string, string>;
    /** A start before the timed ones (creates the DynamoDB tables, as the stack does at deploy). */
    prepare?: Record<string, string>;
  }> = [
    {
      label: 'api',
      name: 'api',
      event: API_EVENT,
      env: {
        GODWIT_DATABASE_URL: postgresUrl,
        GODWIT_DATA_DIR: join(workDir, 'data'),
        GODWIT_SAMPLE: 'false',
      },
    },
    {
      label: 'apiServerless',
      name: 'api',
      event: API_EVENT,
      env: serverless(false),
      prepare: serverless(true),
    },
    { label: 'ingest', name: 'ingest', event: INGEST_EVENT, env: { GODWIT_DATA_DIR: join(workDir, 'data') } },
  ];
  const bundles = new Map<LambdaName, { bundle: BundleResult; bundleMs: number }>();
  for (const { label, name, event, env, prepare } of cases) {
    let built = bundles.get(name);
    if (!built) {
      process.stderr.write(`bundling ${name}…\n`);
      const bundleStarted = performance.now();
      const bundle = await bundleLambda(name, join(workDir, name));
      built = { bundle, bundleMs: performance.now() - bundleStarted };
      bundles.set(name, built);
    }
    const { bundle, bundleMs } = built;
    if (prepare) await coldStart(bundle.entryFile, event, prepare);
    const samples: ColdStart[] = [];
    for (let run = 0; run < runs; run += 1) {
      samples.push(await coldStart(bundle.entryFile, event, env));
      process.stderr.write(`  ${label} run ${run + 1}/${runs}: ${samples.at(-1)!.totalMs.toFixed(0)} ms\n`);
    }
    results[label] = {
      bundleMs: Math.round(bundleMs),
      files: bundle.files,
      totalBytes: bundle.totalBytes,
      zippedBytes: zippedBytes(bundle.outdir),
      entryBytes: bundle.entryBytes,
      ...breakdown(bundle.metafile),
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
  await Promise.all([aws.dynamo?.stop(), aws.s3?.stop(), aws.vectors?.close()]);
  rmSync(workDir, { recursive: true, force: true });
}
