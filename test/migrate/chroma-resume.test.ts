/**
 * A migration process killed with SIGKILL half way, then resumed, ending equal to a clean run; and a
 * persisted Chroma directory read by running Chroma on a copy of it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/migrate/index.ts';
import { type ChromaRecord, type ChromaTestServer, startChromaServer } from '../support/chroma-server.ts';
import { freshDir, runCli, vectorFor } from './migrate-helpers.ts';

const DIMENSION = 4;
const COUNT = 5_000;
const MODEL = 'ollama:nomic-embed-text';
const GODWIT = join(import.meta.dirname, '..', '..', 'bin', 'godwit.js');

function records(count: number): ChromaRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `r${index}`,
    document: `record ${index}`,
    metadata: { index, group: `g${index % 10}` },
    embedding: vectorFor(index, DIMENSION),
  }));
}

/**
 * Every record of every part of a dump, in order, as canonical JSON (Chroma returns metadata keys in no
 * fixed order).
 */
function dumpLines(directory: string): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) => readFileSync(join(directory, file), 'utf8').trimEnd().split('\n'))
    .map((line) => canonicalJson(JSON.parse(line)));
}

function readCheckpoint(path: string): number {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { done: number }).done;
  } catch {
    return -1;
  }
}

describe('Chroma crashes and persisted directories', () => {
  let chroma: ChromaTestServer;
  let url: string;
  const dataDir = join(freshDir('chroma-large'), 'data');

  beforeAll(async () => {
    chroma = await startChromaServer();
    const collection = await chroma.createCollection('big');
    await chroma.add(collection, records(COUNT), 1000);
    url = `chroma://127.0.0.1:${chroma.port}/big`;
  });

  afterAll(async () => {
    await chroma?.stop();
  });

  it('resumes a migration process killed with SIGKILL half way: no duplicates, no gaps', async () => {
    const clean = join(freshDir('chroma-kill-clean'), 'out');
    expect(
      (
        await runCli([
          '--data-dir',
          dataDir,
          'migrate',
          url,
          clean,
          '--embedding-model',
          MODEL,
          '--batch-size',
          '500',
        ])
      ).code,
    ).toBe(0);

    const killed = join(freshDir('chroma-kill'), 'out');
    const checkpoint = join(killed, '.godwit-checkpoint.json');
    const child = spawn(
      process.execPath,
      [
        GODWIT,
        '--data-dir',
        dataDir,
        'migrate',
        url,
        killed,
        '--embedding-model',
        MODEL,
        '--batch-size',
        '50',
      ],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolveExit) =>
      child.once('exit', (_code, signal) => resolveExit(signal)),
    );
    // Kill once a fifth of the records are durable (the checkpoint says so), well before the end.
    await new Promise<void>((resolveWait, reject) => {
      const poll = setInterval(() => {
        if (readCheckpoint(checkpoint) >= COUNT / 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolveWait();
        } else if (child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`the migration ended (exit ${child.exitCode}) before it could be killed`));
        }
      }, 5);
    });
    expect(await exited).toBe('SIGKILL');
    const stoppedAt = readCheckpoint(checkpoint);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(COUNT);
    expect(existsSync(join(killed, 'manifest.json'))).toBe(false);

    const resumed = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      url,
      killed,
      '--embedding-model',
      MODEL,
      '--batch-size',
      '50',
      '--resume',
      '--verify',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report.result.resumedFrom).toBe(stoppedAt);
    expect(report.verification).toMatchObject({
      ok: true,
      counts: { source: COUNT, target: COUNT },
      duplicates: { count: 0 },
    });
    expect(dumpLines(killed)).toEqual(dumpLines(clean));
  });

  it('reads a persisted Chroma directory (vectors come out of the HNSW files through Chroma)', async () => {
    const small = await chroma.createCollection('kb_docs');
    await chroma.add(small, records(300));
    const dump = join(freshDir('chroma-dir-dump'), 'out');
    const result = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      `chroma-dir://${chroma.path}?collection=kb_docs`,
      `dir://${dump}`,
      '--embedding-model',
      MODEL,
      '--verify',
      '--json',
    ]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).verification).toMatchObject({
      ok: true,
      counts: { source: 300, target: 300 },
      vectors: { count: 0 },
    });
    const first = JSON.parse(dumpLines(dump)[0]!);
    expect(first).toMatchObject({ source: 'r0', text: 'record 0', metadata: { index: 0, group: 'g0' } });
    expect(first.embedding).toHaveLength(DIMENSION);

    const notChroma = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      `chroma-dir://${freshDir('empty')}?collection=x`,
      `dir://${join(freshDir('x'), 'out')}`,
    ]);
    expect(notChroma.code).toBe(1);
    expect(notChroma.stderr).toMatch(/is not a Chroma directory/);
  });
});
