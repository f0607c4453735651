/**
 * The scheduling-agent example as shipped: examples/scheduling-agent/godwit.yaml loaded by the real config
 * loader, with only endpoints overridden through the environment (Bedrock on its wire emulator, the Lambda
 * Invoke API running the example's own action-group handler, the test PostgreSQL and Redis). Seed 000's key
 * flow over HTTP: "book me a slot with Dr. Lee on Tuesday" → availability tool → booking tool, which waits
 * for the user's approval → approved, the Lambda books the slot and Claude confirms (denied, nothing is
 * booked); both calls stored with the conversation in PostgreSQL; FAQ answers cited. The FAQ knowledge base
 * comes from Chroma as the prototype keeps it: chroma/build-faq-collection.ts fills a real Chroma server, and
 * `godwit migrate … --verify` moves it into PostgreSQL, its verification report showing nothing lost.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { captureOutput } from '../../test/support/capture-output.ts';
import { type ChromaTestServer, startChromaServer } from '../../test/support/chroma-server.ts';
import { type Emulator, startEmulator } from '../../test/support/emulators/index.ts';
import {
  type LambdaInvokeEmulator,
  startLambdaInvokeEmulator,
} from '../../test/support/lambda-invoke-emulator.ts';
import { type PgvectorPostgres, startPgvectorPostgres } from '../../test/support/pgvector-postgres.ts';
import { describeWithService, dropSchema, redisUrl, uniqueSchemaName } from '../../test/support/services.ts';
import { buildFaqCollection, FAQ_COLLECTION, type FaqRecord } from './chroma/build-faq-collection.ts';
import { type Appointment, createPf360Handler } from './lambda/pf360-handler.ts';

const EXAMPLE = import.meta.dirname;
const REPOSITORY = join(EXAMPLE, '..', '..');
const CONFIG = join(EXAMPLE, 'godwit.yaml');
const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const TUESDAY = '2026-12-08';

const describeWithPostgres = await describeWithService('postgres');
const describeWithRedis = await describeWithService('redis');

let emulator: Emulator;
let lambda: LambdaInvokeEmulator;
let chroma: ChromaTestServer;
// The migrated FAQ keeps its vectors, so the database needs pgvector (as Aurora PostgreSQL has).
let postgres: PgvectorPostgres;
let faqRecords: FaqRecord[];
let migration: Json;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;
const schema = uniqueSchemaName('scheduling');
const appointments = new Map<string, Appointment>();
const saved = { ...process.env };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

async function chat(body: Record<string, unknown>) {
  const response = await app.request('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant: 'scheduler', ...body }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function decide(conversationId: string, approvals: Array<Record<string, unknown>>) {
  const response = await app.request(`/api/conversations/${conversationId}/tool-approvals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ approvals }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/**
 * The conversation's messages as stored in this example's PostgreSQL schema (on the wire-protocol PGlite,
 * which has one session and ignores the schema's search_path, the same tables sit in `public`).
 */
async function storedMessages(conversationId: string): Promise<Json[]> {
  const client = new pg.Client({ connectionString: postgres.url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT role, parts FROM messages WHERE conversation_id = $1 ORDER BY sequence`,
      [conversationId],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

function sonnet(reply: {
  text?: string;
  toolCalls?: Array<{ name: string; input: Record<string, unknown> }>;
}) {
  emulator.script({ match: { dialect: 'bedrock', model: SONNET }, ...reply });
}

describeWithPostgres('examples/scheduling-agent (seed 000)', () => {
  describeWithRedis('with PostgreSQL and Redis', () => {
    beforeAll(async () => {
      [emulator, chroma, postgres] = await Promise.all([
        startEmulator(),
        startChromaServer(),
        startPgvectorPostgres(),
      ]);
      lambda = await startLambdaInvokeEmulator({
        'pf360-scheduling': createPf360Handler(appointments) as never,
      });
      // What a user sets: credentials, region and endpoints. Everything else comes from godwit.yaml.
      Object.assign(process.env, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'emulated-secret',
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
        OPENAI_API_KEY: 'sk-emulated',
        OPENAI_BASE_URL: emulator.baseURLs.openai,
        GODWIT_TOOLS__LAMBDA__PF360__ENDPOINT: lambda.endpoint,
        GODWIT_DATABASE_URL: postgres.url,
        GODWIT_DATABASE__SCHEMA: schema,
        GODWIT_REDIS_URL: redisUrl(),
        GODWIT_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'godwit-scheduling-')), 'data'),
      });
      // The FAQ as the prototype keeps it: a Chroma collection embedded with OpenAI text-embedding-3-small.
      faqRecords = await buildFaqCollection(chroma.url);
      // The tool document path in godwit.yaml is relative to the repository root, where the example runs.
      const captured = captureOutput();
      const previous = process.cwd();
      process.chdir(REPOSITORY);
      try {
        const code = await main(
          [
            '--config',
            CONFIG,
            'migrate',
            `chroma://127.0.0.1:${chroma.port}/${FAQ_COLLECTION}`,
            'godwit://faq',
            '--embedding-model',
            'openai:text-embedding-3-small',
            '--verify',
            '--json',
          ],
          captured.output,
        );
        expect(code, captured.stderr()).toBe(0);
        migration = JSON.parse(captured.stdout());
        const { config } = loadConfig({ configPath: CONFIG, env: process.env });
        services = await createGodwit(config, { env: process.env });
      } finally {
        process.chdir(previous);
      }
      app = createApp({ services, options: { logger: () => {} } });
    }, 120_000);

    afterAll(async () => {
      await services?.close();
      process.env = saved;
      await Promise.all([emulator?.close(), lambda?.close(), chroma?.stop()]);
      if (postgres) await dropSchema(postgres.url, schema).catch(() => {});
      await postgres?.close();
    });

    it('moved the FAQ from Chroma into the knowledge base with nothing lost, as the verification report shows', async () => {
      expect(faqRecords.map((record) => record.id)).toEqual([
        'booking-policy.md#overview',
        'booking-policy.md#cancelling',
        'booking-policy.md#new-patients',
        'clinic-hours-and-providers.md#overview',
        'insurance-and-billing.md#overview',
      ]);
      expect(migration).toMatchObject({
        ok: true,
        dryRun: false,
        source: `chroma://127.0.0.1:${chroma.port}/${FAQ_COLLECTION}`,
        kind: 'knowledge',
        plan: { records: faqRecords.length },
      });
      const nothing = { count: 0, examples: [] };
      expect(migration.verification).toMatchObject({
        ok: true,
        counts: { source: faqRecords.length, target: faqRecords.length },
        missing: nothing,
        unexpected: nothing,
        duplicates: nothing,
        content: nothing,
        metadata: nothing,
        vectors: nothing,
        retrieval: { ok: true, meanOverlap: 1 },
      });

      // Each Chroma record is one document of the knowledge base `faq`, its Chroma id the source, with the
      // same text and metadata, embedded with the model that made the vectors.
      const response = await app.request('/api/knowledge-bases/faq/documents');
      const listed = (await response.json()) as Json;
      expect(response.status, JSON.stringify(listed)).toBe(200);
      const documents = (listed.documents ?? listed.data ?? listed) as Json[];
      expect(documents.map((document) => document.source).sort()).toEqual(
        faqRecords.map((record) => record.id).sort(),
      );
      const knowledgeBase = (await (await app.request('/api/knowledge-bases/faq')).json()) as Json;
      expect(knowledgeBase).toMatchObject({ embeddingModel: 'openai:text-embedding-3-small' });
    });

    it('books Dr. Lee on Tuesday: availability runs, booking runs once the user approves, both calls are stored', async () => {
      sonnet({ toolCalls: [{ name: 'current_time', input: {} }] });
      sonnet({
        toolCalls: [{ name: 'pf360__getAvailability', input: { providerId: 'dr-lee', date: TUESDAY } }],
      });
      sonnet({
        text: 'Dr. Lee is free at 09:00 on Tuesday; booking it now.',
        toolCalls: [
          {
            name: 'pf360__bookAppointment',
            input: { body: { slotId: `dr-lee_${TUESDAY}_0900`, patientId: 'patient-42' } },
          },
        ],
      });
      const { status, body } = await chat({
        message: 'Book me a slot with Dr. Lee on Tuesday. I am patient-42.',
      });
      expect(status, JSON.stringify(body)).toBe(200);
      const calls = body.message.toolCalls as Json[];
      expect(calls.map((call) => [call.toolName, call.state])).toEqual([
        ['current_time', 'complete'],
        ['pf360__getAvailability', 'complete'],
        ['pf360__bookAppointment', 'awaiting-approval'],
      ]);
      expect(calls[1].output).toMatchObject({
        providerId: 'dr-lee',
        providerName: 'Dr. Lee',
        date: TUESDAY,
        slots: expect.arrayContaining([{ slotId: `dr-lee_${TUESDAY}_0900`, start: '09:00' }]),
      });
      expect(calls[2].input).toEqual({ body: { slotId: `dr-lee_${TUESDAY}_0900`, patientId: 'patient-42' } });
      expect(calls[2].approval).toMatchObject({ state: 'requested', signature: expect.any(String) });

      // The Lambda ran the availability lookup as a Bedrock Agents action group; the booking did not run.
      expect(lambda.events.map((entry) => (entry.event as Json).apiPath)).toEqual([
        '/providers/{providerId}/availability',
      ]);
      expect(lambda.events[0]!.event).toMatchObject({
        actionGroup: 'SchedulingActions',
        httpMethod: 'GET',
        sessionId: body.conversationId,
      });
      expect(appointments.size).toBe(0);

      // The user approves; the Lambda books the slot and Claude confirms in the same answer.
      sonnet({ text: 'You are booked with Dr. Lee on Tuesday at 09:00 (apt-0001).' });
      const approved = await decide(body.conversationId, [
        { approvalId: calls[2].approval.id, approved: true },
      ]);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      // The continued answer keeps the text from before the approval and adds the confirmation.
      expect(approved.body.answer).toContain('You are booked with Dr. Lee on Tuesday at 09:00 (apt-0001).');
      expect(approved.body.message.id).toBe(body.message.id);
      const booking = (approved.body.message.toolCalls as Json[]).find(
        (call) => call.toolName === 'pf360__bookAppointment',
      );
      expect(booking).toMatchObject({
        state: 'complete',
        output: { appointmentId: 'apt-0001', providerId: 'dr-lee', date: TUESDAY, start: '09:00' },
        approval: { state: 'approved' },
      });
      expect(lambda.events.at(-1)!.event).toMatchObject({
        apiPath: '/appointments',
        httpMethod: 'POST',
        sessionId: body.conversationId,
      });
      expect([...appointments.values()]).toEqual([
        expect.objectContaining({
          appointmentId: 'apt-0001',
          providerId: 'dr-lee',
          date: TUESDAY,
          start: '09:00',
          patientId: 'patient-42',
          status: 'booked',
        }),
      ]);

      // The conversation, with both PF360 calls and the approval, is in this example's PostgreSQL schema.
      const rows = await storedMessages(body.conversationId);
      expect(rows.map((row) => row.role)).toEqual(['user', 'assistant']);
      const parts = rows[1].parts as Json[];
      expect(parts.filter((part) => part.type === 'tool-call').map((part) => part.toolName)).toEqual([
        'current_time',
        'pf360__getAvailability',
        'pf360__bookAppointment',
      ]);
      const result = (toolName: string) =>
        parts.find((part) => part.type === 'tool-result' && part.toolName === toolName);
      expect(result('pf360__getAvailability')).toMatchObject({
        output: { providerId: 'dr-lee', date: TUESDAY },
      });
      expect(result('pf360__bookAppointment')).toMatchObject({
        output: { appointmentId: 'apt-0001', status: 'booked' },
      });
      expect(result('pf360__bookAppointment')?.isError).toBeFalsy();
      expect(
        parts.find((part) => part.type === 'tool-call' && part.toolName === 'pf360__bookAppointment')
          ?.approval,
      ).toMatchObject({ state: 'approved' });
    });

    it('books nothing when the user denies the booking, and stores the denial', async () => {
      sonnet({
        toolCalls: [
          {
            name: 'pf360__bookAppointment',
            input: { body: { slotId: `dr-lee_${TUESDAY}_0930`, patientId: 'patient-42' } },
          },
        ],
      });
      const { body } = await chat({ message: 'Book Dr. Lee at 09:30 on Tuesday for patient-42.' });
      const waiting = body.message.toolCalls[0] as Json;
      expect(waiting).toMatchObject({ toolName: 'pf360__bookAppointment', state: 'awaiting-approval' });
      const before = { appointments: appointments.size, events: lambda.events.length };

      sonnet({ text: 'I have not booked it.' });
      const denied = await decide(body.conversationId, [
        { approvalId: waiting.approval.id, approved: false, reason: 'I am away that day' },
      ]);
      expect(denied.status, JSON.stringify(denied.body)).toBe(200);
      expect(denied.body.answer).toBe('I have not booked it.');
      expect(denied.body.message.toolCalls[0]).toMatchObject({
        state: 'denied',
        approval: { state: 'denied', reason: 'I am away that day' },
      });
      expect({ appointments: appointments.size, events: lambda.events.length }).toEqual(before);
      const rows = await storedMessages(body.conversationId);
      expect((rows[1].parts as Json[]).find((part) => part.type === 'tool-call')?.approval).toMatchObject({
        state: 'denied',
        reason: 'I am away that day',
      });
    });

    it('answers an FAQ question from the knowledge base with a citation', async () => {
      sonnet({ toolCalls: [{ name: 'search_knowledge_base', input: { query: 'late cancellation fee' } }] });
      sonnet({ text: 'Cancel at least 24 hours ahead to avoid the USD 25 late-cancellation fee [1].' });
      const { status, body } = await chat({ message: 'Is there a fee if I cancel late?' });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.message.toolCalls[0]).toMatchObject({
        toolName: 'search_knowledge_base',
        state: 'complete',
      });
      expect(body.citations[0]).toMatchObject({ source: 'booking-policy.md#cancelling' });
    });

    it('asks before cancelling, and reports an unknown provider from the Lambda as a failed call', async () => {
      sonnet({
        toolCalls: [{ name: 'pf360__getAvailability', input: { providerId: 'dr-who', date: TUESDAY } }],
      });
      sonnet({ toolCalls: [{ name: 'pf360__cancelAppointment', input: { appointmentId: 'apt-0001' } }] });
      const { status, body } = await chat({
        message: 'Is Dr. Who free on Tuesday? Otherwise cancel apt-0001.',
      });
      expect(status).toBe(200);
      const calls = body.message.toolCalls as Json[];
      expect(calls[0]).toMatchObject({ toolName: 'pf360__getAvailability', state: 'failed' });
      expect(calls[1]).toMatchObject({ toolName: 'pf360__cancelAppointment', state: 'awaiting-approval' });
    });

    it('uses Redis as the cache backend', async () => {
      const health = await services.health();
      expect(health.map((report) => report.name)).toContain('redis');
      expect(health.every((report) => report.ok)).toBe(true);
    });

    it('refuses documentIds for an assistant, which reads its knowledge bases through its tools', async () => {
      const { status, body } = await chat({ message: 'Hours?', knowledgeBase: 'faq', documentIds: ['x'] });
      expect(status).toBe(400);
      expect(body.error.message).toContain('an assistant reads its knowledge bases through its tools');
    });
  });
});
