/**
 * kill -9 while a large upload is being indexed: a real `godwit serve` (embedded PGlite, a new data dir)
 * receives a 4 MiB Markdown file and is killed with SIGKILL while the database is busy writing its chunks
 * (a database read waits while /healthz answers). Started again on the same data directory, it must be
 * ready, hold no chunk of the half-written document, mark it failed, and index the same file again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GodwitProcess, startGodwit } from './godwit-process.ts';

let root: string;
const servers: GodwitProcess[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'godwit-killed-ingest-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

async function serve(): Promise<GodwitProcess> {
  const server = await startGodwit({ dataDir: join(root, 'data'), env: { GODWIT_SAMPLE: 'false' } });
  servers.push(server);
  return server;
}

/** About `megabytes` MiB of Markdown: numbered sections of distinct words, so every chunk is findable. */
function largeMarkdown(megabytes: number): string {
  const parts = ['# Large handbook\n\n'];
  let length = 0;
  for (let section = 0; length < megabytes * 1024 * 1024; section++) {
    const words = Array.from(
      { length: 250 },
      (_, index) => `term${(section * 7 + index) % 5000} word${index}`,
    );
    const text = `## Section ${section}\n\nzanzibar ${words.join(' ')}.\n\n`;
    parts.push(text);
    length += text.length;
  }
  return parts.join('');
}

function uploadForm(markdown: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([markdown], { type: 'text/markdown' }), 'large.md');
  return form;
}

/** Resolves once a database read has waited `waitMs` while /healthz kept answering: the write is under way. */
async function waitForDatabaseBusy(url: string, waitMs: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    // Only a read cut off by its timeout counts as waiting; a reset connection is no evidence either way.
    const read = fetch(`${url}/api/knowledge-bases/big/documents`, { signal: AbortSignal.timeout(waitMs) })
      .then(() => true)
      .catch((error: unknown) => !(error instanceof Error && error.name === 'TimeoutError'));
    // A keep-alive connection the server closed meanwhile fails with ECONNRESET: that is no answer, try again.
    const health = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (health && !(await read)) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error(`the upload's database write was not seen within ${deadlineMs / 1000} s`);
}

async function search(url: string, query: string): Promise<unknown[]> {
  const response = await fetch(`${url}/api/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, knowledgeBase: 'big' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: unknown[] }).results;
}

async function documents(
  url: string,
): Promise<Array<{ status: string; chunkCount: number; error: string | null }>> {
  const response = await fetch(`${url}/api/knowledge-bases/big/documents`);
  return (
    (await response.json()) as {
      documents: Array<{ status: string; chunkCount: number; error: string | null }>;
    }
  ).documents;
}

describe('a server killed while it indexes an upload', () => {
  it('leaves no half-written document and indexes the file again after a restart', async () => {
    const markdown = largeMarkdown(4);
    const first = await serve();
    const created = await fetch(`${first.url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big' }),
    });
    expect(created.status).toBe(201);
    const upload = fetch(`${first.url}/api/knowledge-bases/big/documents`, {
      method: 'POST',
      body: uploadForm(markdown),
    }).catch(() => null);
    await waitForDatabaseBusy(first.url, 1500, 180_000);
    await first.kill();
    expect(await upload).toBeNull();

    const second = await serve();
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    // The document the dead process was indexing reads failed, with what to do; none of its chunks is there.
    expect(await documents(second.url)).toEqual([
      expect.objectContaining({
        status: 'failed',
        chunkCount: 0,
        error: expect.stringMatching(/upload the file again/),
      }),
    ]);
    expect(await search(second.url, 'zanzibar')).toEqual([]);

    const again = await fetch(`${second.url}/api/knowledge-bases/big/documents`, {
      method: 'POST',
      body: uploadForm(markdown),
    });
    const outcome = (await again.json()) as { results: Array<{ status: string; error: string | null }> };
    expect(outcome.results).toEqual([expect.objectContaining({ status: 'updated', error: null })]);
    const [indexed] = await documents(second.url);
    expect(indexed).toMatchObject({ status: 'ready' });
    expect(indexed!.chunkCount).toBeGreaterThan(500);
    expect((await search(second.url, 'zanzibar')).length).toBeGreaterThan(0);
  }, 600_000);
});
