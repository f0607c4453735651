/**
 * The sample handbook on a new data dir loads after `godwit serve` is ready: a real server (embedded PGlite)
 * answers /readyz while the sample is still loading, a stop during the load ends it cleanly, the next start
 * finishes it, and a start after that loads nothing again.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_DIRECTORY } from '../../src/config/sample-knowledge-base.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';

let root: string;
const servers: GodwitProcess[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'godwit-sample-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

async function serve(waitForSample: boolean): Promise<GodwitProcess> {
  const server = await startGodwit({ dataDir: join(root, 'data'), waitForSample });
  servers.push(server);
  return server;
}

const sampleFiles = readdirSync(SAMPLE_DIRECTORY).filter(
  (name) => name !== 'README.md' && /\.(md|pdf|docx|xlsx)$/.test(name),
);

describe('the sample knowledge base on a new data dir', () => {
  it('loads after the server is ready, survives a stop mid-load, and is loaded once', async () => {
    const first = await serve(false);
    expect(first.output()).toMatch(/knowledge: loading the sample "handbook" in the background/);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    await first.stop();
    expect(first.output()).toMatch(/Stopped/);

    const second = await serve(true);
    const response = await fetch(`${second.url}/api/knowledge-bases/handbook/documents`);
    const { documents } = (await response.json()) as { documents: Array<{ source: string; status: string }> };
    expect(documents.map((document) => document.source).sort()).toEqual([...sampleFiles].sort());
    expect(documents.every((document) => document.status === 'ready')).toBe(true);
    await second.stop();

    const third = await serve(true);
    expect(third.output()).not.toMatch(/loading the sample|Loaded the sample/);
    expect(third.output()).toMatch(/knowledge: handbook/);
  }, 600_000);
});
