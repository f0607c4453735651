/**
 * Conversations into Godwit's DynamoDB conversation store (dynalite), from a dump of conversations, with
 * verification; and the knowledge-base-only targets refusing conversations and vice versa.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/core/types.ts';
import type { ConversationRecord } from '../../src/migrate/index.ts';
import { DumpSink } from '../../src/migrate/sinks/dump-sink.ts';
import { type DynaliteServer, startDynalite } from '../support/dynalite-server.ts';
import { freshDir, runCli } from './migrate-helpers.ts';

function conversation(index: number): ConversationRecord {
  const id = `conversation-${index}`;
  const createdAt = new Date(Date.UTC(2025, 5, 1, 12, index));
  const messages: Message[] = ['user', 'assistant'].map((role, turn) => ({
    id: `${id}-m${turn}`,
    conversationId: id,
    tenantId: 'default',
    role: role as Message['role'],
    content: `${role} says ${index} — ünïcode 🐦`,
    parts: [{ type: 'text', text: `${role} says ${index} — ünïcode 🐦` }],
    citations: [],
    model: role === 'assistant' ? 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' : null,
    usage: role === 'assistant' ? { inputTokens: 10, outputTokens: 5, totalTokens: 15 } : null,
    costUsd: role === 'assistant' ? 0.0001 : null,
    latencyMs: role === 'assistant' ? 420 : null,
    status: 'complete',
    error: null,
    createdAt: new Date(createdAt.getTime() + turn * 1000),
  }));
  return {
    conversation: {
      id,
      tenantId: 'default',
      userId: `user-${index % 2}`,
      title: `Question ${index}`,
      knowledgeBase: null,
      createdAt,
      updatedAt: messages[1]!.createdAt,
    },
    messages,
  };
}

describe('DynamoDB conversation target', () => {
  let dynamo: DynaliteServer;
  const dump = join(freshDir('dynamo-dump'), 'conversations');
  const dataDir = join(freshDir('dynamo-data'), 'data');

  beforeAll(async () => {
    dynamo = await startDynalite();
    // dynalite accepts any credentials; the SDK still needs some to sign.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const sink = new DumpSink(dump, 'conversations');
    await sink.prepare({
      source: { kind: 'conversations', location: 'test', name: 'test', count: 30, embedding: null },
      embedding: null,
      resume: false,
      resumeFrom: 0,
    });
    await sink.write(Array.from({ length: 30 }, (_, index) => conversation(index)));
    await sink.finish();
    await sink.close();
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await dynamo?.stop();
  });

  it('writes conversations through the same ConversationStore port and verifies them; a rerun keeps one copy', async () => {
    const target = `dynamodb://godwit-data?region=us-east-1&create=true&endpoint=${encodeURIComponent(dynamo.endpoint)}`;
    const first = await runCli(['--data-dir', dataDir, 'migrate', dump, target, '--verify', '--json']);
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 30, target: 30 },
    });
    const again = await runCli(['--data-dir', dataDir, 'migrate', dump, target, '--verify', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).verification).toMatchObject({
      ok: true,
      counts: { target: 30 },
      duplicates: { count: 0 },
    });
  });

  it("refuses a table that is not Godwit's, and conversations into OpenSearch", async () => {
    const wrongTable = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      dump,
      'dynamodb://chat-logs?region=us-east-1',
    ]);
    expect(wrongTable.code).toBe(2);
    expect(wrongTable.stderr).toMatch(/named <prefix>data/);
    const openSearch = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      dump,
      'opensearch://127.0.0.1:9200/chunks',
    ]);
    expect(openSearch.code).toBe(2);
    expect(openSearch.stderr).toMatch(/opensearch:\/\/ target takes a knowledge base/);
  });
});
