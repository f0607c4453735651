/**
 * Lambda bundle size and cold init. Bundles the API and ingest functions exactly as the CDK app does
 * (infra/src/lambda-bundle.ts), then starts fresh Node processes that import the bundle and serve one
 * request, as a Lambda cold start does (without the platform's own sandbox start-up).
 *
 *   npx tsx bench/lambda-cold-init.ts [--runs 7] [--quick] [--baseline /path/to/other/checkout]
 *                                     [--only api,apiDataApi,apiServerless,ingest]
 *
 * The API's first request is GET /readyz, three times over: with PostgreSQL (GODWIT_TEST_POSTGRES_URL,
 * default the local test database; connecting and checking the schema), through the RDS Data API (its
 * emulator, PGlite behind it; `dataApiCalls` counts the HTTPS calls each cold start makes, by operation),
 * and on the serverless profile the stack deploys with an outside vector store (DynamoDB on dynalite,
 * S3 Vectors on its emulator, S3 on s3rver; no relational database). The ingest function's first request
 * is an S3 test event (no object to read). Each case starts once untimed first (creating tables, applying
 * migrations), so the timed starts meet a current schema, as a deployed function does.
 *
 * `--baseline DIR` also bundles the checkout at DIR with its own infra/src/lambda-bundle.ts and alternates
 * cold starts between the two builds (the order flips each run), so both see the same machine load; each
 * case then carries `baseline` figures and `ratio` (this build / baseline, cold-init medians).
 *
 * Prints one JSON document on stdout, with esbuild's account of the bundle: the bytes Node loads at import
 * (`initBytes`), and the largest files and packages.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Metafile } from 'esbuild';
import { type BundleResult, bundleLambda, type LambdaName } from '../infra/src/lambda-bundle.ts';
import { type DynaliteServer, startDynalite } from '../test/support/dynalite-server.ts';
import { type DataApiEmulator, startDataApiEmulator } from '../test/support/rds-data-api-emulator.ts';
import { type S3rverServer, startS3rver } from '../test/support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../test/support/s3vectors-emulator.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsFlag = args.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : quick ? 3 : 7;
const onlyFlag = args.indexOf('--only');
const only = onlyFlag >= 0 ? new Set((args[onlyFlag + 1] ?? '').split(',')) : undefined;
const baselineFlag = args.indexOf('--baseline');
const baselineRoot = baselineFlag >= 0 ? resolve(args[baselineFlag + 1] ?? '') : undefined;
const DATA_API_TARGET = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:godwit-bench',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:godwit-bench',
  database: 'godwit',
};
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

/**
 * A pass-through proxy in front of the Data API emulator that counts the HTTPS calls (ExecuteStatement,
 * BeginTransaction, CommitTransaction…) a cold start makes.
 */
async function startCallCounter(target: string): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    calls.push((incoming.url ?? '/').replace(/^\//, ''));
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.once('error', (error) => {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
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
let dataApi: DataApiEmulator | undefined;
let counter: Awaited<ReturnType<typeof startCallCounter>> | undefined;
try {
  [aws.dynamo, aws.s3, aws.vectors, dataApi] = await Promise.all([
    startDynalite(),
    startS3rver('godwit-bench'),
    startS3VectorsEmulator({ buckets: ['godwit-bench-vectors'] }),
    startDataApiEmulator(DATA_API_TARGET),
  ]);
  counter = await startCallCounter(dataApi.url);
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
  // Aurora through the RDS Data API (the stack's default profile keeps its relational data there).
  const auroraDataApi: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_RDS_DATA: counter.url,
    GODWIT_DATABASE__DATA_API__RESOURCE_ARN: DATA_API_TARGET.resourceArn,
    GODWIT_DATABASE__DATA_API__SECRET_ARN: DATA_API_TARGET.secretArn,
    GODWIT_DATABASE__DATA_API__DATABASE: DATA_API_TARGET.database,
    GODWIT_DATA_DIR: join(workDir, 'data'),
    GODWIT_SAMPLE: 'false',
  };
  const postgres: Record<string, string> = {
    GODWIT_DATABASE_URL: postgresUrl,
    GODWIT_DATA_DIR: join(workDir, 'data'),
    GODWIT_SAMPLE: 'false',
  };
  const cases: Array<{
    label: string;
    name: LambdaName;
    event: unknown;
    env: Record<string, string>;
    /** A start before the timed ones (creates the DynamoDB tables, as the stack does at deploy). */
    prepare?: Record<string, string>;
    /** Count the Data API calls of each timed start. */
    countDataApiCalls?: boolean;
  }> = [
    { label: 'api', name: 'api', event: API_EVENT, env: postgres, prepare: postgres },
    {
      label: 'apiDataApi',
      name: 'api',
      event: API_EVENT,
      env: auroraDataApi,
      prepare: auroraDataApi,
      countDataApiCalls: true,
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
  interface Build {
    name: 'current' | 'baseline';
    bundle: (lambda: LambdaName, outdir: string) => Promise<BundleResult>;
    bundles: Map<LambdaName, { bundle: BundleResult; bundleMs: number }>;
  }
  const builds: Build[] = [{ name: 'current', bundle: bundleLambda, bundles: new Map() }];
  if (baselineRoot) {
    const baseline = (await import(join(baselineRoot, 'infra/src/lambda-bundle.ts'))) as {
      bundleLambda: typeof bundleLambda;
    };
    builds.push({ name: 'baseline', bundle: baseline.bundleLambda, bundles: new Map() });
  }
  const bundled = async (build: Build, name: LambdaName) => {
    let built = build.bundles.get(name);
    if (!built) {
      process.stderr.write(`bundling ${name} (${build.name})…\n`);
      const bundleStarted = performance.now();
      const bundle = await build.bundle(name, join(workDir, build.name, name));
      built = { bundle, bundleMs: performance.now() - bundleStarted };
      build.bundles.set(name, built);
    }
    return built;
  };
  for (const { label, name, event, env, prepare, countDataApiCalls } of cases) {
    if (only && !only.has(label)) continue;
    const samples = new Map<Build, ColdStart[]>(builds.map((build) => [build, []]));
    const calls = new Map<Build, Array<Record<string, number>>>(builds.map((build) => [build, []]));
    for (const build of builds) {
      const { bundle } = await bundled(build, name);
      if (prepare) await coldStart(bundle.entryFile, event, prepare);
    }
    for (let run = 0; run < runs; run += 1) {
      const order = run % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        const { bundle } = await bundled(build, name);
        counter.calls.length = 0;
        const sample = await coldStart(bundle.entryFile, event, env);
        samples.get(build)!.push(sample);
        if (countDataApiCalls) calls.get(build)!.push(countBy(counter.calls));
        process.stderr.write(
          `  ${label} (${build.name}) run ${run + 1}/${runs}: ${sample.totalMs.toFixed(0)} ms` +
            `${countDataApiCalls ? `, ${counter.calls.length} Data API calls` : ''}\n`,
        );
      }
    }
    const figures = (build: Build) => {
      const { bundle, bundleMs } = build.bundles.get(name)!;
      const taken = samples.get(build)!;
      const callsPerStart = calls.get(build)!;
      return {
        bundleMs: Math.round(bundleMs),
        files: bundle.files,
        totalBytes: bundle.totalBytes,
        zippedBytes: zippedBytes(bundle.outdir),
        entryBytes: bundle.entryBytes,
        ...breakdown(bundle.metafile),
        status: taken[0]?.status,
        runs,
        importMsMedian: Math.round(median(taken.map((sample) => sample.importMs))),
        firstRequestMsMedian: Math.round(median(taken.map((sample) => sample.firstRequestMs))),
        coldInitMsMedian: Math.round(median(taken.map((sample) => sample.totalMs))),
        processMsMedian: Math.round(median(taken.map((sample) => sample.processMs))),
        ...(countDataApiCalls
          ? {
              dataApiCallsPerColdStart: median(
                callsPerStart.map((byOperation) => Object.values(byOperation).reduce((sum, n) => sum + n, 0)),
              ),
              dataApiCalls: callsPerStart[0],
            }
          : {}),
      };
    };
    const [current, baseline] = builds.map(figures);
    results[label] = baseline
      ? {
          ...current,
          baseline,
          ratio: Math.round((current!.coldInitMsMedian / baseline.coldInitMsMedian) * 100) / 100,
        }
      : current;
  }
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, baseline: baselineRoot ?? null, ...results }, null, 2)}\n`,
  );
} finally {
  counter?.server.close();
  await Promise.all([aws.dynamo?.stop(), aws.s3?.stop(), aws.vectors?.close(), dataApi?.close()]);
  rmSync(workDir, { recursive: true, force: true });
}
