/**
 * The AWS stack as it ships: each settings profile is synthesized with `godwit deploy synth --out DIR`,
 * and each function's code asset runs in a plain Node process of its own with exactly the template's
 * `Environment.Variables` (references resolved to local emulators reached through AWS_ENDPOINT_URL_*),
 * fed the events API Gateway, Function URLs and SQS send. Nothing here builds settings or services.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/core/auth/index.ts';
import { buildDocx, buildPdf } from '../../src/ingest/fixtures/sample-files.ts';
import { DynamoDbApiKeyStore, DynamoDbTable } from '../../src/storage/dynamodb/index.ts';
import { apiGatewayV2Event, functionUrlEvent, type HttpEventInput } from '../runtime/lambda-events.ts';
import { parseEvents } from '../server/http-helpers.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { type OpenSearchEmulator, startOpenSearchEmulator } from '../support/opensearch-emulator.ts';
import { type DataApiEmulator, startDataApiEmulator } from '../support/rds-data-api-emulator.ts';
import { type S3rverServer, startS3rver } from '../support/s3rver-server.ts';
import { type S3VectorsEmulator, startS3VectorsEmulator } from '../support/s3vectors-emulator.ts';
import { recordColdInit } from './cold-init-report.ts';
import { type FunctionProcess, removeDirectory, startFunction } from './function-process.ts';
import { resolveVariables, type SynthesizedStack, synthesize } from './synthesized-stack.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const BOUNDARY = '----godwit-shipped';
const HANDBOOK =
  '# Leave\n\nEmployees get 25 vacation days a year. Unused vacation days carry over until March.\n';

interface Profile {
  name: string;
  settings: Record<string, unknown>;
}

const PROFILES: Profile[] = [
  { name: 'default (Aurora through the Data API)', settings: {} },
  { name: 'S3 Vectors', settings: { vectorStore: 's3vectors' } },
  { name: 'OpenSearch Serverless', settings: { vectorStore: 'opensearch' } },
];

describe.each(PROFILES)('the synthesized $name stack', (profile) => {
  let stack: SynthesizedStack;
  let dynamo: DynaliteServer;
  let s3: S3rverServer;
  let bedrock: Emulator;
  let dataApi: DataApiEmulator | undefined;
  let vectors: S3VectorsEmulator | undefined;
  let openSearch: OpenSearchEmulator | undefined;
  let api: FunctionProcess;
  let stream: FunctionProcess;
  let ingest: FunctionProcess;
  let adminKey: string;
  let userKey: string;
  let s3Client: S3Client;

  beforeAll(async () => {
    [stack, dynamo, s3, bedrock, openSearch] = await Promise.all([
      synthesize(profile.settings),
      startDynalite(),
      startS3rver('godwit-documents'),
      startEmulator({ requireAuth: true }),
      profile.settings.vectorStore === 'opensearch' ? startOpenSearchEmulator() : Promise.resolve(undefined),
    ]);
    const resolutions = {
      region: REGION,
      accountId: ACCOUNT,
      byType: {
        'AWS::S3::Bucket': { ref: s3.bucket },
        'AWS::RDS::DBCluster': { ref: 'godwit-vectors' },
        'AWS::SecretsManager::SecretTargetAttachment': {
          ref: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:GodwitVectorsClusterSecret-AbCdEf`,
        },
        'AWS::OpenSearchServerless::Collection': {
          attributes: { CollectionEndpoint: openSearch?.url ?? 'unused' },
        },
      },
    };
    const [first] = stack.functions;
    const variables = resolveVariables(stack.template, first!.variables, resolutions);
    if (variables.GODWIT_DATABASE__DATA_API__RESOURCE_ARN) {
      dataApi = await startDataApiEmulator({
        resourceArn: variables.GODWIT_DATABASE__DATA_API__RESOURCE_ARN,
        secretArn: variables.GODWIT_DATABASE__DATA_API__SECRET_ARN!,
        database: variables.GODWIT_DATABASE__DATA_API__DATABASE!,
      });
    }
    if (variables.GODWIT_STORAGE__S3VECTORS__BUCKET) {
      vectors = await startS3VectorsEmulator({ buckets: [variables.GODWIT_STORAGE__S3VECTORS__BUCKET] });
    }
    await createTableFromTemplate(stack, dynamo.endpoint);
    [adminKey, userKey] = await issueKeys(variables.GODWIT_STORAGE__DYNAMODB__TABLE_PREFIX!, dynamo.endpoint);
    s3Client = new S3Client({
      region: REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });

    // What the Lambda service adds to a function's own variables, and the endpoints of the emulators.
    const runtimeEnvironment = (functionName: string, memory: string) => ({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: 'session-token',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      ...(dataApi ? { AWS_ENDPOINT_URL_RDS_DATA: dataApi.url } : {}),
      ...(vectors ? { AWS_ENDPOINT_URL_S3VECTORS: vectors.url } : {}),
    });
    const started = await Promise.all(
      stack.functions.map((fn) =>
        startFunction(fn.codeDirectory, fn.handler, {
          ...runtimeEnvironment(fn.logicalId, '1024'),
          ...resolveVariables(stack.template, fn.variables, resolutions),
        }),
      ),
    );
    const byId = (prefix: string) =>
      started[stack.functions.findIndex((fn) => fn.logicalId.startsWith(prefix))]!;
    api = byId('Api');
    stream = byId('Stream');
    ingest = byId('Ingest');
  }, 600_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), stream?.stop(), ingest?.stop()]);
    s3Client?.destroy();
    await Promise.all([
      dynamo?.stop(),
      s3?.stop(),
      bedrock?.close(),
      dataApi?.close(),
      vectors?.close(),
      openSearch?.close(),
    ]);
    if (stack) removeDirectory(stack.outdir);
  });

  const apiCall = async (input: HttpEventInput, key: string | null = adminKey) => {
    const reply = await api.invoke(
      apiGatewayV2Event({ ...input, headers: { ...(key ? { 'x-api-key': key } : {}), ...input.headers } }),
    );
    if (reply.error) throw new Error(reply.error);
    const result = reply.result as { statusCode: number; body: string; isBase64Encoded?: boolean };
    const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
    return { status: result.statusCode, body, json: () => JSON.parse(body) };
  };
  /** Signs a direct upload to the dropbox knowledge base and PUTs the text to it. */
  const signAndPut = async (filename: string, text: string) => {
    const bytes = new TextEncoder().encode(text);
    const signed = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases/dropbox/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename, bytes: bytes.byteLength }),
    });
    expect(signed.status, signed.body).toBe(201);
    const upload = signed.json() as {
      key: string;
      url: string;
      headers: Record<string, string>;
      statusUrl: string;
      replaces: boolean;
    };
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status, await put.text()).toBe(200);
    return upload;
  };
  const streamCall = (input: HttpEventInput, key: string | null = adminKey) =>
    stream.invokeStreaming(
      functionUrlEvent({ ...input, headers: { ...(key ? { 'x-api-key': key } : {}), ...input.headers } }),
    );

  it('answers /healthz from every HTTP function and records cold init', async () => {
    expect((await apiCall({ method: 'GET', path: '/healthz' }, null)).status).toBe(200);
    expect((await streamCall({ method: 'GET', path: '/healthz' }, null)).statusCode).toBe(200);
    recordColdInit(profile.name, 'Api', api);
    recordColdInit(profile.name, 'Stream', stream);
  });

  it('creates a knowledge base and ingests md and docx uploaded as multipart through the API', async () => {
    const created = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'handbook' }),
    });
    expect(created.status, created.body).toBe(201);
    const docx = await buildDocx([
      { heading: 1, text: 'Remote work' },
      { text: 'Staff may work remotely two days a week with their manager’s agreement.' },
    ]);
    const uploaded = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases/handbook/documents',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: multipart([
        { name: 'leave.md', type: 'text/markdown', bytes: new TextEncoder().encode(HANDBOOK) },
        {
          name: 'remote.docx',
          type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          bytes: docx,
        },
      ]),
    });
    expect(uploaded.status, uploaded.body).toBe(201);
  });

  it('ingests a PDF uploaded through the API', async () => {
    const pdf = await buildPdf([
      {
        heading: 'Expenses',
        paragraphs: ['Travel expenses are reimbursed within thirty days of the claim.'],
      },
    ]);
    const uploaded = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases/handbook/documents',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: multipart([{ name: 'expenses.pdf', type: 'application/pdf', bytes: pdf }]),
    });
    expect(uploaded.status, uploaded.body).toBe(201);
    const listed = await apiCall({ method: 'GET', path: '/api/knowledge-bases/handbook/documents' });
    const documents = listed.json().documents as Array<{
      source: string;
      status: string;
      error: string | null;
    }>;
    expect(documents.find((document) => document.source === 'expenses.pdf')).toMatchObject({
      status: 'ready',
    });
  });

  it('ingests md, pdf and docx dropped into the bucket (S3 → SQS → Ingest), storing each once', async () => {
    const files = [
      {
        key: 'incoming/default/dropbox/parking.md',
        type: 'text/markdown',
        bytes: new TextEncoder().encode('# Parking\n\nVisitor parking is on level two of the garage.\n'),
      },
      {
        key: 'incoming/default/dropbox/security.pdf',
        type: 'application/pdf',
        bytes: await buildPdf([
          { heading: 'Badges', paragraphs: ['Security badges must be worn visibly at all times.'] },
        ]),
      },
      {
        key: 'incoming/default/dropbox/canteen.docx',
        type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        bytes: await buildDocx([{ text: 'The canteen serves lunch from noon until two.' }]),
      },
    ];
    const before = await listKeys(s3Client, s3.bucket);
    for (const file of files) {
      await s3Client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: file.key, Body: file.bytes, ContentType: file.type }),
      );
    }
    const reply = await ingest.invoke({
      Records: files.map((file, index) => sqsRecord(`m-${index}`, s3.bucket, file.key)),
    });
    expect(reply.error).toBeUndefined();
    expect(reply.result).toEqual({ batchItemFailures: [] });
    recordColdInit(profile.name, 'Ingest', ingest);
    const listed = await apiCall({ method: 'GET', path: '/api/knowledge-bases/dropbox/documents' });
    const documents = listed.json().documents as Array<{ source: string; status: string }>;
    expect(documents.map((document) => [document.source, document.status]).sort()).toEqual([
      ['canteen.docx', 'ready'],
      ['parking.md', 'ready'],
      ['security.pdf', 'ready'],
    ]);
    const added = (await listKeys(s3Client, s3.bucket)).filter((key) => !before.includes(key));
    expect(added.sort()).toEqual(files.map((file) => file.key).sort());
  });

  it('takes a file over 6 MB through a presigned upload that the Ingest function picks up', async () => {
    const settings = await apiCall({ method: 'GET', path: '/api/uploads' });
    expect(settings.json()).toMatchObject({ direct: true, maxRequestBytes: 4_400_000 });
    // A real document padded past Lambda's 6 MB with an unreferenced, incompressible part.
    const docx = unzipSync(
      await buildDocx([{ text: 'Fire drills take place on the first Monday of each quarter.' }]),
    );
    docx['word/media/filler.bin'] = randomBytes(7 * 1024 * 1024);
    const bytes = zipSync(docx, { level: 0 });
    expect(bytes.byteLength).toBeGreaterThan(6 * 1024 * 1024);
    const signed = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases/dropbox/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'safety.docx', bytes: bytes.byteLength }),
    });
    expect(signed.status, signed.body).toBe(201);
    const upload = signed.json() as {
      key: string;
      url: string;
      headers: Record<string, string>;
      statusUrl: string;
    };
    expect(upload.key).toMatch(/^incoming\/default\/dropbox\/upload-[0-9a-f]{32}\/safety\.docx$/);
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status, await put.text()).toBe(200);
    expect((await apiCall({ method: 'GET', path: upload.statusUrl })).json().status).toBe('queued');
    const reply = await ingest.invoke({ Records: [sqsRecord('big-1', s3.bucket, upload.key)] });
    expect(reply.result).toEqual({ batchItemFailures: [] });
    const done = (await apiCall({ method: 'GET', path: upload.statusUrl })).json();
    expect(done).toMatchObject({ status: 'ready', source: 'safety.docx', document: { status: 'ready' } });
    // A multipart request of the same file is over Lambda's limit; the file went direct instead.
    const tooLarge = await apiCall({
      method: 'POST',
      path: '/api/knowledge-bases/dropbox/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'huge.pdf', bytes: 60 * 1024 * 1024 }),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('replaces a directly uploaded document and deletes the superseded object once the new one is indexed', async () => {
    const first = await signAndPut('rota.md', '# Rota\n\nThe night shift starts at ten.\n');
    expect(first.replaces).toBe(false);
    await ingest.invoke({ Records: [sqsRecord('rota-1', s3.bucket, first.key)] });
    expect((await apiCall({ method: 'GET', path: first.statusUrl })).json().status).toBe('ready');
    expect(await listKeys(s3Client, s3.bucket)).toContain(first.key);

    const second = await signAndPut('rota.md', '# Rota\n\nThe night shift starts at eleven.\n');
    expect(second.replaces).toBe(true);
    // Until the new version is indexed, the old object is what the document points at: it stays.
    expect(await listKeys(s3Client, s3.bucket)).toEqual(expect.arrayContaining([first.key, second.key]));
    const reply = await ingest.invoke({ Records: [sqsRecord('rota-2', s3.bucket, second.key)] });
    expect(reply.result).toEqual({ batchItemFailures: [] });
    expect((await apiCall({ method: 'GET', path: second.statusUrl })).json()).toMatchObject({
      status: 'ready',
      document: { status: 'ready' },
    });
    const keys = await listKeys(s3Client, s3.bucket);
    expect(keys).toContain(second.key);
    expect(keys).not.toContain(first.key);
    const documents = (
      await apiCall({ method: 'GET', path: '/api/knowledge-bases/dropbox/documents' })
    ).json().documents as Array<{ id: string; source: string }>;
    const rota = documents.find((document) => document.source === 'rota.md')!;
    const original = await apiCall({
      method: 'GET',
      path: `/api/knowledge-bases/dropbox/documents/${rota.id}/file`,
    });
    expect(original.body).toContain('eleven');
  });

  it('serves /docs and /openapi.json from the function, and ships Swagger UI in the web app uploads', async () => {
    const page = await apiCall({ method: 'GET', path: '/docs' }, null);
    expect(page.status).toBe(200);
    const loaded = [...page.body.matchAll(/(?:src|href)="docs\/assets\/([^"]+)"/g)].map((match) => match[1]!);
    expect(loaded).toEqual(
      expect.arrayContaining(['swagger-ui-bundle.js', 'swagger-ui.css', 'godwit-docs.js']),
    );
    const document = await apiCall({ method: 'GET', path: '/openapi.json' }, null);
    expect(document.json()).toMatchObject({ openapi: '3.0.3', info: { title: 'Godwit API' } });
    // The bundle leaves Swagger UI out (about 2.2 MB); the function says where the files are.
    const missing = await apiCall({ method: 'GET', path: '/docs/assets/swagger-ui-bundle.js' }, null);
    expect(missing.status).toBe(404);
    expect(missing.json().error.message).toContain('WebAppUrl');
    const docs = stack.webAppUploads.find((upload) => upload.prefix === 'docs/assets/');
    expect(docs).toBeDefined();
    for (const file of loaded) expect(existsSync(join(docs!.directory, file)), file).toBe(true);
    const script = await apiCall({ method: 'GET', path: '/docs/assets/godwit-docs.js' }, null);
    expect(readFileSync(join(docs!.directory, 'godwit-docs.js'), 'utf8')).toBe(script.body);
    const pages = stack.webAppUploads.filter((upload) => upload.prefix === '');
    expect(pages.length).toBe(2);
    for (const upload of pages) {
      expect(readFileSync(join(upload.directory, 'index.html'), 'utf8')).toMatch(/<div id="root">/);
    }
  });

  it('searches the knowledge base', async () => {
    const found = await apiCall({
      method: 'POST',
      path: '/api/search',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ knowledgeBase: 'handbook', query: 'travel expenses reimbursed' }),
    });
    expect(found.status, found.body).toBe(200);
    const sources = (found.json().results as Array<{ source: string }>).map((result) => result.source);
    expect(sources).toContain('expenses.pdf');
  });

  it('streams a chat answer with citations through the Function URL', async () => {
    const response = await streamCall({
      method: 'POST',
      path: '/api/chat',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        message: 'How many vacation days do employees get?',
        knowledgeBase: 'handbook',
        stream: true,
      }),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    const events = parseEvents(response.body);
    const citations = events.find((event) => event.event === 'citations');
    expect(JSON.stringify(citations?.data)).toContain('leave.md');
    expect(events.some((event) => event.event === 'delta')).toBe(true);
    expect(events.at(-1)?.event).toBe('done');
  });

  it('streams a /v1 answer grounded in the knowledge base, with citations', async () => {
    // The model cites the first retrieved passage, as a grounded answer does; the citations extension
    // lists the passages the text cites.
    bedrock.script({ text: 'Travel expenses are reimbursed within thirty days [1].' });
    const response = await streamCall({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'kb:handbook',
        stream: true,
        messages: [{ role: 'user', content: 'When are travel expenses reimbursed?' }],
      }),
    });
    expect(response.statusCode, response.body).toBe(200);
    const chunks = response.body
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice('data: '.length)));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toContain('thirty days [1]');
    const citations = chunks.flatMap((chunk) => (chunk.citations ?? []) as Array<{ source: string }>);
    expect(citations.length, response.body).toBeGreaterThan(0);
    for (const citation of citations) {
      expect(['leave.md', 'remote.docx', 'expenses.pdf']).toContain(citation.source);
    }
    expect(response.body.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('answers 401 without a key and 403 to a user key on an admin route', async () => {
    const anonymous = await apiCall({ method: 'GET', path: '/api/knowledge-bases' }, null);
    expect(anonymous.status).toBe(401);
    const streamedAnonymous = await streamCall({ method: 'GET', path: '/api/conversations' }, null);
    expect(streamedAnonymous.statusCode).toBe(401);
    const notAdmin = await apiCall({ method: 'GET', path: '/api/keys' }, userKey);
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.json().error.code).toBe('forbidden');
  });

  it('refuses events that are not requests, and skips ingest invocations that are not SQS deliveries', async () => {
    for (const event of [null, { rawPath: '/healthz' }, { requestContext: { http: { method: 'GET' } } }]) {
      const buffered = (await api.invoke(event)).result as { statusCode: number; body: string };
      expect(buffered.statusCode).toBe(400);
      expect(JSON.parse(buffered.body).error.code).toBe('invalid_event');
      const streamed = await stream.invokeStreaming(event);
      expect(streamed.statusCode).toBe(400);
    }
    const badBody = {
      ...functionUrlEvent({ method: 'POST', path: '/api/chat', headers: { 'x-api-key': adminKey } }),
      body: '{"message": "hi"}',
      isBase64Encoded: true,
    };
    const streamed = await stream.invokeStreaming(badBody);
    expect(streamed.statusCode).toBe(400);
    expect(JSON.parse(streamed.body).error.code).toBe('invalid_body');
    for (const event of [null, { detail: {} }]) {
      expect(await ingest.invoke(event)).toMatchObject({ result: { batchItemFailures: [] } });
    }
    expect((await apiCall({ method: 'GET', path: '/healthz' }, null)).status).toBe(200);
  });

  it('with Bedrock unreachable, a Bedrock chat fails cleanly, an extractive one answers from keyword search and says it is degraded', async () => {
    await bedrock.close();
    const response = await streamCall({
      method: 'POST',
      path: '/api/chat',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'How many vacation days?', knowledgeBase: 'handbook' }),
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(response.body).error.code).toBe('provider_unavailable');
    expect(response.body).not.toContain('    at ');
    expect((await streamCall({ method: 'GET', path: '/healthz' }, null)).statusCode).toBe(200);
    if (profile.settings.vectorStore !== 's3vectors') {
      // The extractive model needs no provider, and these stores search by keyword without an embedding.
      const extractive = await streamCall({
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json' },
        // A question not asked before: query embeddings are cached, and a cached one needs no Bedrock.
        body: JSON.stringify({
          message: 'How many vacation days does an employee get each year?',
          knowledgeBase: 'handbook',
          model: 'local:extractive',
        }),
      });
      expect(extractive.statusCode, extractive.body).toBe(200);
      const answer = JSON.parse(extractive.body) as {
        conversationId: string;
        answer: string;
        citations: Array<{ source: string }>;
        degraded: { reason: string } | null;
      };
      expect(answer.answer).toContain('25 vacation days');
      expect(answer.citations.map((citation) => citation.source)).toContain('leave.md');
      // The answer says it was grounded by keyword search alone, and the stored turn keeps saying so.
      expect(answer.degraded?.reason).toMatch(
        /unavailable, so knowledge base "handbook" was searched by keyword only/,
      );
      const stored = await apiCall({ method: 'GET', path: `/api/conversations/${answer.conversationId}` });
      const messages = stored.json().messages as Array<{ role: string; degraded: { reason: string } | null }>;
      expect(messages.at(-1)).toMatchObject({ role: 'assistant', degraded: answer.degraded });
      const streamed = await streamCall({
        method: 'POST',
        path: '/api/chat',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          message: 'Do unused vacation days carry over?',
          knowledgeBase: 'handbook',
          model: 'local:extractive',
          stream: true,
        }),
      });
      const events = parseEvents(streamed.body);
      expect(events.map((event) => event.event).slice(0, 3)).toEqual(['start', 'degraded', 'citations']);
      expect(events.at(-1)?.event).toBe('done');
    }
  });
});

describe('the synthesized Fargate stack', () => {
  it('runs the image with a command that builds the database URL and starts the server', async () => {
    const fargate = await synthesize({ compute: 'fargate' });
    try {
      const task = Object.values(fargate.template.Resources).find(
        (resource) => resource.Type === 'AWS::ECS::TaskDefinition',
      );
      const [container] = (task?.Properties?.ContainerDefinitions ?? []) as Array<{
        EntryPoint: string[];
        Command: string[];
      }>;
      expect(container?.EntryPoint).toEqual(['sh', '-c']);
      expect(container?.Command).toHaveLength(1);
      expect(container?.Command[0]).toMatch(
        /export GODWIT_DATABASE_URL="postgres:\/\/godwit:.*" && exec node bin\/godwit\.js serve$/,
      );
      expect(fargate.functions).toEqual([]);
    } finally {
      removeDirectory(fargate.outdir);
    }
  }, 600_000);
});

function multipart(files: Array<{ name: string; type: string; bytes: Uint8Array }>): Uint8Array {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
          `Content-Type: ${file.type}\r\n\r\n`,
      ),
      Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return new Uint8Array(Buffer.concat(parts));
}

/** An SQS record carrying an S3 "object created" notification, as the event source mapping delivers it. */
function sqsRecord(messageId: string, bucket: string, key: string) {
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: REGION,
          eventTime: '2026-12-06T06:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'godwit-ingest',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodedKey, size: 10, eTag: 'etag', sequencer: '0055AED6DCD90281E5' },
          },
        },
      ],
    }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1796536800000' },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:GodwitIngestQueue`,
    awsRegion: REGION,
  };
}

/** Creates the DynamoDB table exactly as the template declares it (keys, attributes, indexes). */
async function createTableFromTemplate(stack: SynthesizedStack, endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS });
  try {
    for (const resource of Object.values(stack.template.Resources)) {
      if (resource.Type !== 'AWS::DynamoDB::GlobalTable' && resource.Type !== 'AWS::DynamoDB::Table')
        continue;
      const properties = resource.Properties as {
        TableName: string;
        KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
        AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
        GlobalSecondaryIndexes?: Array<{
          IndexName: string;
          KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
          Projection: { ProjectionType: 'ALL' };
        }>;
      };
      await client.send(
        new CreateTableCommand({
          TableName: properties.TableName,
          KeySchema: properties.KeySchema,
          AttributeDefinitions: properties.AttributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
          ...(properties.GlobalSecondaryIndexes
            ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes }
            : {}),
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** An admin key and a user key, written to the deployed table as `godwit keys create` would. */
async function issueKeys(tablePrefix: string, endpoint: string): Promise<[string, string]> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS }),
  );
  try {
    const store = new DynamoDbApiKeyStore(new DynamoDbTable(client, `${tablePrefix}data`, endpoint));
    const admin = await issueApiKey(store, { tenantId: 'default', name: 'operator', role: 'admin' });
    const user = await issueApiKey(store, { tenantId: 'default', name: 'reader', role: 'user' });
    return [admin.secret, user.secret];
  } finally {
    client.destroy();
  }
}

async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '');
}
