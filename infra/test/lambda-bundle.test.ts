import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askInteraction, discordRequest, generateDiscordKey } from '../../test/channels/channel-harness.ts';
import { type ChannelApiFake, startChannelApiFake } from '../../test/support/channel-api-fake.ts';
import { type DynaliteServer, startDynalite } from '../../test/support/dynalite-server.ts';
import { type S3rverServer, startS3rver } from '../../test/support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../../test/support/s3vectors-emulator.ts';
import {
  describeWithService,
  dropSchema,
  postgresUrl,
  uniqueSchemaName,
} from '../../test/support/services.ts';
import { type SqsFake, startSqsFake } from '../../test/support/sqs-fake.ts';
import { type BundleResult, bundleLambda, EMBEDDED_DATABASE_MESSAGE } from '../src/lambda-bundle.ts';

const workDir = mkdtempSync(join(tmpdir(), 'godwit-lambda-bundle-'));
let api: BundleResult;
let ingest: BundleResult;

beforeAll(async () => {
  [api, ingest] = await Promise.all([
    bundleLambda('api', join(workDir, 'api')),
    bundleLambda('ingest', join(workDir, 'ingest')),
  ]);
}, 120_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const READYZ_EVENT = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/readyz',
  rawQueryString: '',
  headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  requestContext: {
    http: { method: 'GET', path: '/readyz', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    requestId: 'test',
    routeKey: '$default',
    stage: '$default',
    time: '23/Nov/2026:06:00:00 +0000',
    timeEpoch: 0,
  },
  isBase64Encoded: false,
};

const INVOKE = `
const [entry, event] = [process.argv[1], JSON.parse(process.argv[2])];
const { handler } = await import(entry);
process.stdout.write('\\n' + JSON.stringify(await handler(event, { awsRequestId: 'test' })) + '\\n');
process.exit(0);
`;

/** Imports the bundled handler in a fresh Node process, as Lambda does, and returns its answer to `event`. */
function invoke(
  entry: string,
  event: unknown,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', INVOKE, entry, JSON.stringify(event)],
      {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? '', HOME: workDir, ...env },
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
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`the bundled handler exited with ${code}: ${stderr.slice(0, 800)}`));
        return;
      }
      resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

/** Inputs of the files Node loads when it imports the entry file (its static imports, transitively). */
function inputsLoadedAtInit(metafile: Metafile): string[] {
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith('index.mjs'));
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
  return [...seen].flatMap((output) => Object.keys(metafile.outputs[output]?.inputs ?? {}));
}

describe('Lambda bundles', () => {
  // 6 MB since the bundles carry pdf.js's worker (about 1.3 MB, loaded only when a PDF arrives), without
  // which PDFs cannot be read on Lambda; before it they were under 5 MB. 6.5 MB since they also carry the
  // SQS client that queues channel jobs (about 31 kB, loaded with the first Discord or Slack question) and the
  // Bedrock Agent Runtime and Runtime clients (Bedrock Agents, Knowledge Bases, Guardrails: about 0.1 MB,
  // chunks loaded only when one is configured; the test below checks nothing of them loads at init). 7 MB since
  // the functions also carry the MCP server and client (`/mcp`, MCP tools), presigned direct uploads, audit,
  // limits and budgets (6.61 MB measured), again in chunks loaded on first use. 7.5 MB since the gateway
  // calls providers through undici's connection pool (about 0.28 MB, a chunk loaded with the first forwarded
  // chat call; 6.98 MB measured).
  it('stay under 7.5 MB unpacked, with the pdf.js worker as a chunk of its own', () => {
    for (const bundle of [api, ingest]) {
      expect(bundle.totalBytes).toBeLessThan(7_500_000);
      expect(
        Object.values(bundle.metafile.outputs).some((output) =>
          Object.keys(output.inputs).some((input) =>
            input.endsWith('pdfjs-dist/legacy/build/pdf.worker.mjs'),
          ),
        ),
      ).toBe(true);
    }
  });

  it('ship no PGlite, Chroma client or non-English Zod messages', () => {
    for (const bundle of [api, ingest]) {
      const inputs = Object.keys(bundle.metafile.inputs);
      expect(inputs.some((path) => path.includes('src/storage/postgres/open-postgres-storage.ts'))).toBe(
        true,
      );
      expect(inputs.filter((path) => path.includes('@electric-sql/pglite'))).toEqual([]);
      expect(inputs.filter((path) => path.includes('node_modules/chromadb'))).toEqual([]);
      expect(inputs.filter((path) => /zod\/v4\/locales\/(?!en\.js|index\.js)/.test(path))).toEqual([]);
    }
  });

  it('load no provider SDK, HTTP client pool, file parser or AWS client at init', () => {
    for (const bundle of [api, ingest]) {
      const atInit = inputsLoadedAtInit(bundle.metafile);
      expect(atInit.some((path) => path.includes('src/config/create-models.ts'))).toBe(true);
      const heavy = atInit.filter((path) =>
        /node_modules\/(@ai-sdk\/(openai|google|amazon-bedrock|anthropic)|ollama-ai-provider-v2|@aws-sdk|exceljs|pdfjs-dist|mammoth|pg\/|undici\/)/.test(
          path,
        ),
      );
      expect(heavy).toEqual([]);
    }
  });

  it('tell a function with no database which settings to use instead of the embedded one', async () => {
    const answer = await invoke(api.entryFile, READYZ_EVENT, {
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_SAMPLE: 'false',
    });
    expect(answer.statusCode).toBe(503);
    const body = JSON.parse(String(answer.body)) as { error: { message: string } };
    expect(body.error.message).toBe(EMBEDDED_DATABASE_MESSAGE);
  });

  it('report an invalid setting in English', async () => {
    const answer = await invoke(api.entryFile, READYZ_EVENT, {
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_RETRIEVAL__K: 'many',
    });
    expect(answer.statusCode).toBe(503);
    expect(String(answer.body)).toContain(
      'retrieval.k (from GODWIT_RETRIEVAL__K): Invalid input: expected number',
    );
  });

  it('read a YAML configuration file named by GODWIT_CONFIG (yaml is loaded only for it)', async () => {
    // Not ./godwit.config.yaml: the other functions start in workDir and would read it too.
    const configFile = join(workDir, 'named-config.yaml');
    writeFileSync(configFile, 'retrieval:\n  k: many\n');
    const answer = await invoke(api.entryFile, READYZ_EVENT, {
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_CONFIG: configFile,
    });
    expect(answer.statusCode).toBe(503);
    expect(String(answer.body)).toContain(`file ${configFile}`);
    expect(String(answer.body)).toContain('retrieval.k: Invalid input: expected number');
  });

  it('start the ingest function and acknowledge an S3 test event', async () => {
    const event = {
      Records: [{ messageId: 'm1', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) }],
    };
    const answer = await invoke(ingest.entryFile, event, { GODWIT_DATA_DIR: join(workDir, 'data') });
    expect(answer).toEqual({ batchItemFailures: [] });
  });
});

const describeWithPostgres = await describeWithService('postgres');

describeWithPostgres('the bundled API on PostgreSQL', () => {
  const schema = uniqueSchemaName('lambda_bundle');
  afterAll(() => dropSchema(postgresUrl(), schema));

  it('connects, migrates and answers /readyz', async () => {
    const answer = await invoke(api.entryFile, READYZ_EVENT, {
      GODWIT_DATABASE_URL: postgresUrl(),
      GODWIT_DATABASE__SCHEMA: schema,
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_SAMPLE: 'false',
    });
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(String(answer.body)) as { status: string; checks: Array<{ name: string }> };
    expect(body.status).toBe('ok');
    expect(body.checks.map((check) => check.name)).toContain('database');
  });
});

describeWithPostgres('Discord through the bundled functions: the API queues, the worker answers', () => {
  const schema = uniqueSchemaName('lambda_channels');
  let sqs: SqsFake;
  let platform: ChannelApiFake;
  const key = generateDiscordKey();

  beforeAll(async () => {
    [sqs, platform] = await Promise.all([startSqsFake(), startChannelApiFake()]);
  });

  afterAll(async () => {
    await Promise.all([sqs?.close(), platform?.close()]);
    await dropSchema(postgresUrl(), schema);
  });

  it('acknowledges /ask through SQS, then edits the response from the worker', async () => {
    const env = {
      GODWIT_DATABASE_URL: postgresUrl(),
      GODWIT_DATABASE__SCHEMA: schema,
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_SAMPLE: 'false',
      GODWIT_CHANNELS__QUEUE_URL: sqs.queueUrl,
      GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: key.publicHex,
      GODWIT_CHANNELS__DISCORD__API_BASE_URL: platform.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    const interaction = askInteraction('How many vacation days?');
    const signed = discordRequest(JSON.stringify(interaction), key.privateKey);
    const event = {
      ...READYZ_EVENT,
      rawPath: '/channels/discord/interactions',
      headers: { ...READYZ_EVENT.headers, ...signed.headers },
      requestContext: {
        ...READYZ_EVENT.requestContext,
        http: { ...READYZ_EVENT.requestContext.http, method: 'POST', path: '/channels/discord/interactions' },
      },
      body: signed.body,
    };
    const answer = await invoke(api.entryFile, event, env);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual({ type: 5 });
    expect(sqs.messages).toHaveLength(1);
    expect(platform.calls).toHaveLength(0);

    const worked = await invoke(ingest.entryFile, { Records: sqs.messages }, env);
    expect(worked).toEqual({ batchItemFailures: [] });
    expect(platform.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      `PATCH /webhooks/${interaction.application_id}/${interaction.token}/messages/@original`,
    ]);
    expect(platform.calls[0]?.body.content.length).toBeGreaterThan(0);
  });
});

describe('the bundled API on the serverless profile (DynamoDB, S3 Vectors, S3)', () => {
  let dynamo: DynaliteServer;
  let s3: S3rverServer;
  let vectors: S3VectorsEmulator;

  beforeAll(async () => {
    [dynamo, s3, vectors] = await Promise.all([
      startDynalite(),
      startS3rver('godwit-bundle'),
      startS3VectorsEmulator({ buckets: ['godwit-bundle-vectors'] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([dynamo?.stop(), s3?.stop(), vectors?.close()]);
  });

  it('loads the AWS clients from their ES builds and answers /readyz', async () => {
    const answer = await invoke(api.entryFile, READYZ_EVENT, {
      // s3rver accepts these; the functions get theirs from the execution role.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      GODWIT_DATA_DIR: join(workDir, 'data'),
      GODWIT_SAMPLE: 'false',
      GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
      GODWIT_STORAGE__VECTORS: 's3vectors',
      GODWIT_STORAGE__BLOBS: 's3',
      GODWIT_STORAGE__DYNAMODB__TABLE_PREFIX: 'bundle-',
      GODWIT_STORAGE__DYNAMODB__REGION: 'us-east-1',
      GODWIT_STORAGE__DYNAMODB__ENDPOINT: dynamo.endpoint,
      GODWIT_STORAGE__DYNAMODB__CREATE_TABLES: 'true',
      GODWIT_STORAGE__S3VECTORS__BUCKET: 'godwit-bundle-vectors',
      GODWIT_STORAGE__S3VECTORS__REGION: 'us-east-1',
      GODWIT_STORAGE__S3VECTORS__ENDPOINT: vectors.url,
      GODWIT_STORAGE__S3__BUCKET: s3.bucket,
      GODWIT_STORAGE__S3__REGION: 'us-east-1',
      GODWIT_STORAGE__S3__ENDPOINT: s3.endpoint,
      GODWIT_STORAGE__S3__FORCE_PATH_STYLE: 'true',
    });
    const body = JSON.parse(String(answer.body)) as {
      status: string;
      checks: Array<{ name: string; ok: boolean }>;
    };
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ['dynamodb', true],
      ['s3vectors', true],
      ['s3', true],
    ]);
    expect(answer.statusCode).toBe(200);
  });
});
