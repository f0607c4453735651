/**
 * The fault suite: Godwit started as users start it (`godwit serve`, GODWIT_* variables) on a PostgreSQL
 * and a Redis of the suite's own, each behind a proxy the suite controls, under steady chats and uploads
 * while a dependency fails. Each scenario reports tried / succeeded / clean errors / hung / acknowledged
 * but lost and the time to recover, and asserts that the server lives, loses nothing it acknowledged and
 * never holds a request past its configured bounds.
 *
 * Short faults by default; the full figures of docs/RELIABILITY.md come from
 * GODWIT_FAULTS_STALL_SECONDS=20,45 (see that page).
 */
import { writeFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { servicesRequired } from '../support/services.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { findPostgresBinaries, PostgresInstance } from './support/postgres-instance.ts';
import { findRedisServer, RedisInstance } from './support/redis-instance.ts';
import { type Outcome, SteadyLoad } from './support/steady-load.ts';

const environment = process.env;
const SETTINGS = {
  connectTimeoutMs: 1_000,
  statementTimeoutMs: 1_000,
  idleInTransactionTimeoutMs: 2_000,
  poolSize: 5,
  shutdownGraceMs: 10_000,
};
/** The client's extra wait past the statement timeout (ANSWER_GRACE_MS in the PostgreSQL client). */
const ANSWER_GRACE_MS = 2_000;
/**
 * The longest a request may take while the database misbehaves: three bounded waits (the write that
 * fails, the write that records the failure, and the one that removes a conversation left empty), each a
 * connection plus a statement, and two seconds of slack.
 */
const HANG_AFTER_MS = 3 * (SETTINGS.connectTimeoutMs + SETTINGS.statementTimeoutMs + ANSWER_GRACE_MS) + 2_000;
const STALL_SECONDS = (environment.GODWIT_FAULTS_STALL_SECONDS ?? '2,4').split(',').map(Number);
const HOLD_MS = Number(environment.GODWIT_FAULTS_HOLD_MS ?? 2_500);
const RATE_PER_SECOND = Number(environment.GODWIT_FAULTS_RATE ?? 10);
const KNOWLEDGE_BASE = 'faults';

const postgresBinaries = findPostgresBinaries();
const redisServer = findRedisServer();
const missing = !postgresBinaries
  ? 'PostgreSQL binaries (initdb, postgres)'
  : !redisServer
    ? 'redis-server'
    : null;
const describeFaults =
  missing === null
    ? describe
    : servicesRequired()
      ? (name: string) =>
          describe(name, () => {
            it('needs its own PostgreSQL and Redis', () => {
              throw new Error(
                `${missing} not found; install them or set GODWIT_FAULTS_PG_BIN / GODWIT_FAULTS_REDIS_SERVER`,
              );
            });
          })
      : (name: string, body: () => void) => {
          console.warn(`[skipped] fault suite: ${missing} not found`);
          describe.skip(name, body);
        };

interface ScenarioReport {
  scenario: string;
  tried: number;
  succeeded: number;
  cleanErrors: number;
  refused: number;
  unclean: number;
  hung: number;
  acknowledgedLost: number;
  recoveryMs: number | null;
  slowestMs: number;
  debris: Debris;
  errorCodes: Record<string, number>;
  uncleanDetails: string[];
}

interface Debris {
  pendingMessages: number;
  emptyConversations: number;
  unansweredConversations: number;
}

/** One scenario: its load, the fault, the recovery probes and the requests still in flight. */
const SCENARIO_TIMEOUT_MS = 60_000 + Math.max(...STALL_SECONDS) * 1000 + 2 * HANG_AFTER_MS;

vi.setConfig({ testTimeout: SCENARIO_TIMEOUT_MS });

/**
 * No conversation is left without messages. Conversations with a question and no reply (the question was
 * stored, the pending row was not) are counted and reported, not asserted.
 */
function expectNoDebris(report: ScenarioReport): void {
  expect(report.debris.emptyConversations, `${report.scenario}: conversations without messages`).toBe(0);
}

/** How long the background writes that follow an outage may take once the database is back. */
const PENDING_SETTLE_MS = 20_000;

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describeFaults('dependency faults under load', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let postgresProxy: FaultProxy;
  let redisProxy: FaultProxy;
  let godwit: GodwitProcess;
  const reports: ScenarioReport[] = [];

  beforeAll(async () => {
    postgres = await PostgresInstance.create(postgresBinaries!, { maxConnections: 40 });
    await postgres.query('CREATE ROLE godwit LOGIN');
    await postgres.query('CREATE DATABASE godwit OWNER godwit');
    redis = await RedisInstance.create(redisServer!);
    postgresProxy = await FaultProxy.start({ host: '127.0.0.1', port: postgres.port });
    redisProxy = await FaultProxy.start({ host: '127.0.0.1', port: redis.port });
    godwit = await startGodwit({
      env: {
        GODWIT_DATABASE_URL: `postgres://godwit@127.0.0.1:${postgresProxy.port}/godwit`,
        GODWIT_DATABASE__SCHEMA: 'godwit',
        GODWIT_DATABASE__POOL_SIZE: String(SETTINGS.poolSize),
        GODWIT_DATABASE__CONNECT_TIMEOUT_MS: String(SETTINGS.connectTimeoutMs),
        GODWIT_DATABASE__STATEMENT_TIMEOUT_MS: String(SETTINGS.statementTimeoutMs),
        GODWIT_DATABASE__IDLE_IN_TRANSACTION_TIMEOUT_MS: String(SETTINGS.idleInTransactionTimeoutMs),
        GODWIT_SERVER__SHUTDOWN_GRACE_MS: String(SETTINGS.shutdownGraceMs),
        GODWIT_REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
        GODWIT_SAMPLE: 'false',
      },
    });
    const created = await fetch(`${godwit.url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: KNOWLEDGE_BASE }),
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    if (reports.length > 0) {
      console.table(
        reports.map(({ debris, errorCodes, uncleanDetails, ...figures }) => ({ ...figures, ...debris })),
      );
      if (environment.GODWIT_FAULTS_REPORT) {
        writeFileSync(
          environment.GODWIT_FAULTS_REPORT,
          `${JSON.stringify({ settings: SETTINGS, reports }, null, 2)}\n`,
        );
      }
    }
    await godwit?.stop();
    await postgresProxy?.close();
    await redisProxy?.close();
    await redis?.destroy();
    await postgres?.destroy();
  });

  /** Load before, during and after `fault`; the fault resolves once it has been cleared. */
  async function runScenario(scenario: string, fault: () => Promise<void>): Promise<ScenarioReport> {
    const load = new SteadyLoad({
      baseUrl: godwit.url,
      knowledgeBase: KNOWLEDGE_BASE,
      ratePerSecond: RATE_PER_SECOND,
      hangAfterMs: HANG_AFTER_MS,
    });
    load.start();
    await pause(500);
    await fault();
    const cleared = Date.now();
    let recoveryMs: number | null = null;
    for (let attempt = 0; attempt < 100 && recoveryMs === null; attempt += 1) {
      const probe = await load.once('chat');
      if (probe.kind === 'succeeded') recoveryMs = Date.now() - cleared;
      else await pause(100);
    }
    await pause(500);
    const outcomes = await load.stop();
    const report = await summarize(scenario, outcomes, recoveryMs);
    reports.push(report);
    return report;
  }

  async function summarize(scenario: string, outcomes: Outcome[], recoveryMs: number | null) {
    const count = (kind: Outcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind).length;
    const errorCodes: Record<string, number> = {};
    for (const outcome of outcomes) {
      if (outcome.kind === 'clean') errorCodes[outcome.code!] = (errorCodes[outcome.code!] ?? 0) + 1;
    }
    return {
      scenario,
      tried: outcomes.length,
      succeeded: count('succeeded'),
      cleanErrors: count('clean'),
      refused: count('refused'),
      unclean: count('unclean'),
      hung: count('hung'),
      acknowledgedLost: await acknowledgedButLost(outcomes),
      recoveryMs,
      slowestMs: Math.max(0, ...outcomes.map((outcome) => outcome.milliseconds)),
      debris: await countDebris(),
      errorCodes,
      uncleanDetails: outcomes
        .filter((outcome) => outcome.kind === 'unclean')
        .slice(0, 5)
        .map((outcome) => `${outcome.operation} ${outcome.status ?? '-'} ${outcome.detail ?? ''}`),
    } satisfies ScenarioReport;
  }

  /** Acknowledged answers and uploads missing from the database (read directly, not through Godwit). */
  async function acknowledgedButLost(outcomes: Outcome[]): Promise<number> {
    const messageIds: string[] = [];
    const sources: string[] = [];
    for (const { acknowledged } of outcomes) {
      if (acknowledged && 'messageId' in acknowledged) messageIds.push(acknowledged.messageId);
      if (acknowledged && 'source' in acknowledged) sources.push(acknowledged.source);
    }
    const messages = await postgres.query<{ count: string }>(
      "SELECT count(*) FROM godwit.messages WHERE id = ANY($1) AND status = 'complete'",
      [messageIds],
      'godwit',
    );
    const documents = await postgres.query<{ count: string }>(
      "SELECT count(*) FROM godwit.documents WHERE source = ANY($1) AND status = 'ready'",
      [sources],
      'godwit',
    );
    return messageIds.length + sources.length - Number(messages[0]!.count) - Number(documents[0]!.count);
  }

  async function countDebris(): Promise<Debris> {
    const [row] = await postgres.query<Record<keyof Debris, string>>(
      `SELECT
         (SELECT count(*) FROM godwit.messages WHERE status = 'pending') AS "pendingMessages",
         (SELECT count(*) FROM godwit.conversations c WHERE NOT EXISTS (
            SELECT 1 FROM godwit.messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id
          )) AS "emptyConversations",
         (SELECT count(*) FROM godwit.conversations c WHERE NOT EXISTS (
            SELECT 1 FROM godwit.messages m
            WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.role = 'assistant'
          )) AS "unansweredConversations"`,
      [],
      'godwit',
    );
    return {
      pendingMessages: Number(row!.pendingMessages),
      emptyConversations: Number(row!.emptyConversations),
      unansweredConversations: Number(row!.unansweredConversations),
    };
  }

  async function expectServing(report: ScenarioReport): Promise<void> {
    expect(godwit.alive, `${report.scenario}: the server process is alive`).toBe(true);
    expect((await fetch(`${godwit.url}/healthz`)).status).toBe(200);
    expect(report.acknowledgedLost, `${report.scenario}: acknowledged but lost`).toBe(0);
    expect(report.hung, `${report.scenario}: requests held past ${HANG_AFTER_MS} ms`).toBe(0);
    expect(report.uncleanDetails, `${report.scenario}: unclean failures`).toEqual([]);
    expect(report.recoveryMs, `${report.scenario}: recovered`).not.toBeNull();
    expect(report.succeeded).toBeGreaterThan(0);
    // Clean-ups and turn endings the outage refused are written once the database is back.
    await vi.waitFor(
      async () => {
        const { pendingMessages, emptyConversations } = await countDebris();
        expect(emptyConversations, `${report.scenario}: conversations without messages`).toBe(0);
        expect(pendingMessages, `${report.scenario}: assistant turns left pending`).toBe(0);
      },
      { timeout: PENDING_SETTLE_MS, interval: 250 },
    );
  }

  /** Ends every session of the godwit role; returns how many. */
  async function terminateGodwitBackends(session?: pg.Client): Promise<number> {
    const statement =
      "SELECT count(pg_terminate_backend(pid)) AS count FROM pg_stat_activity WHERE usename = 'godwit'";
    const rows = session
      ? (await session.query<{ count: string }>(statement)).rows
      : await postgres.query<{ count: string }>(statement);
    return Number(rows[0]?.count ?? 0);
  }

  it('serves through a stopped database and recovers when it returns', async () => {
    const report = await runScenario('database stopped', async () => {
      await postgres.stop();
      await pause(HOLD_MS);
      await postgres.start();
    });
    await expectServing(report);
    expect(report.errorCodes.dependency_unavailable).toBeGreaterThan(0);
  });

  it('survives its database connections being terminated again and again', async () => {
    let terminated = 0;
    const report = await runScenario('connections terminated repeatedly', async () => {
      const until = Date.now() + HOLD_MS;
      while (Date.now() < until) {
        terminated += await terminateGodwitBackends();
        await pause(150);
      }
    });
    await expectServing(report);
    expect(terminated).toBeGreaterThan(0);
  });

  it('answers 503 while every connection slot is taken, and recovers when slots free up', async () => {
    let held = 0;
    const report = await runScenario('connection slots exhausted', async () => {
      // Every slot taken; whatever Godwit opens again in between is ended and its slot taken too. The
      // terminations go through a session opened first, since no new one would be let in.
      const admin = await postgres.session();
      const holders = [await postgres.fillConnectionSlots()];
      try {
        const until = Date.now() + HOLD_MS;
        while (Date.now() < until) {
          await terminateGodwitBackends(admin);
          holders.push(await postgres.fillConnectionSlots());
          await pause(100);
        }
      } finally {
        held = holders.reduce((sum, holder) => sum + holder.held, 0);
        for (const holder of holders) await holder.release();
        await admin.end();
      }
    });
    await expectServing(report);
    expect(held).toBeGreaterThan(0);
    expect(report.errorCodes.dependency_unavailable).toBeGreaterThan(0);
  });

  for (const seconds of STALL_SECONDS) {
    it(`bounds every request while the database stalls for ${seconds} s`, async () => {
      const report = await runScenario(`database stalled ${seconds} s`, async () => {
        postgresProxy.stall();
        await pause(seconds * 1000);
        postgresProxy.pass();
      });
      await expectServing(report);
    });
  }

  it('serves without the Redis cache when Redis is killed, logging the outage and its end', async () => {
    const logStart = godwit.logEntries().length;
    const report = await runScenario('Redis killed', async () => {
      await redis.kill();
      await expectDegraded();
      await pause(HOLD_MS);
      await redis.start();
    });
    await expectServing(report);
    expect(report.cleanErrors).toBe(0);
    await expectRedisOutageLogged(logStart);
  });

  it('serves without the Redis cache when Redis freezes, logging the outage and its end', async () => {
    const logStart = godwit.logEntries().length;
    const report = await runScenario('Redis frozen', async () => {
      redis.freeze();
      await expectDegraded();
      await pause(HOLD_MS);
      redis.thaw();
    });
    await expectServing(report);
    expect(report.cleanErrors).toBe(0);
    await expectRedisOutageLogged(logStart);
  });

  async function expectDegraded(): Promise<void> {
    const readiness = await fetch(`${godwit.url}/readyz`);
    expect(readiness.status).toBe(200);
    expect(((await readiness.json()) as { status: string }).status).toBe('degraded');
  }

  /** One line when Redis went down and one when it came back (readiness notices within its interval). */
  async function expectRedisOutageLogged(logStart: number): Promise<void> {
    const redisLines = () =>
      godwit
        .logEntries()
        .slice(logStart)
        .filter((entry) => entry.dependency === 'redis')
        .map((entry) => entry.message);
    for (let attempt = 0; attempt < 100 && !redisLines().includes('dependency back'); attempt += 1) {
      await fetch(`${godwit.url}/readyz`);
      await pause(100);
    }
    expect(redisLines()).toEqual(['optional dependency down; serving degraded', 'dependency back']);
  }

  it('drains on SIGTERM: requests in flight finish, nothing acknowledged is lost, exit 0', async () => {
    const load = new SteadyLoad({
      baseUrl: godwit.url,
      knowledgeBase: KNOWLEDGE_BASE,
      ratePerSecond: RATE_PER_SECOND,
      hangAfterMs: HANG_AFTER_MS,
    });
    load.start();
    await pause(1_000);
    const terminatedAt = Date.now();
    const exitCode = await godwit.terminate();
    // A request sent after the stop began whose connection closed before it was read was never accepted:
    // the same as a refused connection (the client may retry it elsewhere).
    const outcomes = (await load.stop()).map((outcome) =>
      outcome.kind === 'unclean' &&
      outcome.startedAt >= terminatedAt &&
      /EPIPE|ECONNRESET|UND_ERR_SOCKET/.test(outcome.detail ?? '')
        ? { ...outcome, kind: 'refused' as const }
        : outcome,
    );
    const report = await summarize('SIGTERM under load', outcomes, null);
    reports.push(report);
    expect(exitCode).toBe(0);
    expect(report.acknowledgedLost).toBe(0);
    expect(report.hung).toBe(0);
    expect(report.uncleanDetails).toEqual([]);
    expect(report.succeeded).toBeGreaterThan(0);
    expectNoDebris(report);
  });
});
