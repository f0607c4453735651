import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPgliteTemplate, DROPPED_DATABASES } from './build-pglite-template.ts';
import { openPostgresStorage, UNFINISHED_DOCUMENT_ERROR } from './open-postgres-storage.ts';
import { openPgliteClient } from './pglite-client.ts';
import { copyTemplateInto, isCurrentTemplate, isNewDataDir, isUsableTemplate } from './pglite-template.ts';

describe('the PGlite template for new data dirs', () => {
  let root: string;
  let template: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'godwit-template-'));
    template = join(root, 'template');
    expect(await buildPgliteTemplate(template)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is built once: a current template is kept as it is', async () => {
    expect(isCurrentTemplate(template)).toBe(true);
    expect(await buildPgliteTemplate(template)).toBe(false);
  });

  it('opens a new data dir with every migration already applied, and keeps what is written', async () => {
    const dataDir = join(root, 'nested', 'db');
    const first = await openPostgresStorage({ pglite: { dataDir, template } });
    try {
      expect(first.appliedMigrations).toEqual([]);
      expect(first.vector).toEqual({ enabled: true });
      await first.knowledge.createKnowledgeBase('acme', { name: 'kept' });
    } finally {
      await first.close();
    }
    const second = await openPostgresStorage({ pglite: { dataDir, template } });
    try {
      expect((await second.knowledge.listKnowledgeBases('acme')).map((base) => base.name)).toEqual(['kept']);
    } finally {
      await second.close();
    }
    // The template itself is untouched by what the copy wrote.
    const third = await openPostgresStorage({ pglite: { dataDir: join(root, 'fresh'), template } });
    try {
      expect(await third.knowledge.listKnowledgeBases('acme')).toEqual([]);
    } finally {
      await third.close();
    }
  });

  it('keeps only the database Godwit uses, so a new data dir copies a third of the files', async () => {
    const dataDir = join(root, 'databases');
    const client = await openPgliteClient(dataDir, { template });
    try {
      const rows = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database ORDER BY datname',
      );
      expect(rows.map((row) => row.datname)).toEqual(['postgres']);
      expect(DROPPED_DATABASES.every((name) => !rows.some((row) => row.datname === name))).toBe(true);
      // CREATE DATABASE, which Godwit never runs, has no template1 to copy.
      await expect(client.query('CREATE DATABASE extra')).rejects.toThrow(/does not exist/);
    } finally {
      await client.close();
    }
    expect(readdirSync(join(template, 'base'))).toEqual(['5']);
    expect(countFiles(template)).toBeLessThan(600);
  });

  it('is rebuilt when it was made with all three databases, and is used until then', async () => {
    const older = join(root, 'older-layout');
    cpSync(template, older, { recursive: true });
    const descriptionFile = join(older, 'godwit-template.json');
    const { layout: _layout, ...description } = JSON.parse(readFileSync(descriptionFile, 'utf8')) as {
      layout: number;
    };
    writeFileSync(descriptionFile, JSON.stringify(description));
    expect(isUsableTemplate(older)).toBe(true);
    expect(isCurrentTemplate(older)).toBe(false);
  });

  it('marks a document left processing by a process that died as failed, at the next open', async () => {
    const dataDir = join(root, 'unfinished');
    const first = await openPostgresStorage({ pglite: { dataDir, template } });
    const base = await first.knowledge.createKnowledgeBase('acme', { name: 'kb' });
    const left = await first.knowledge.upsertDocument('acme', {
      knowledgeBaseId: base.id,
      source: 'large.md',
      mimeType: 'text/markdown',
      sha256: 'a',
      bytes: 1,
    });
    expect(left.status).toBe('processing');
    await first.close();
    const second = await openPostgresStorage({ pglite: { dataDir, template } });
    try {
      const [document] = await second.knowledge.listDocuments('acme', base.id);
      expect(document).toMatchObject({ status: 'failed', error: UNFINISHED_DOCUMENT_ERROR });
    } finally {
      await second.close();
    }
  });

  it('never copies over an existing data dir', async () => {
    const dataDir = join(root, 'existing');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'PG_VERSION'), '18\n');
    expect(isNewDataDir(dataDir)).toBe(false);
    expect(isNewDataDir(join(root, 'missing'))).toBe(true);
  });

  it('is not used when another PGlite version built it, and the data dir is left alone', async () => {
    const other = join(root, 'other-version');
    cpSync(template, other, { recursive: true });
    const descriptionFile = join(other, 'godwit-template.json');
    const description = JSON.parse(readFileSync(descriptionFile, 'utf8')) as { pgliteVersion: string };
    writeFileSync(descriptionFile, JSON.stringify({ ...description, pgliteVersion: '0.0.1' }));
    expect(isUsableTemplate(other)).toBe(false);
    const dataDir = join(root, 'not-copied');
    expect(copyTemplateInto(dataDir, other)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('is not used without its description (a half-built template) or when missing', () => {
    const halfBuilt = join(root, 'half-built');
    mkdirSync(halfBuilt);
    writeFileSync(join(halfBuilt, 'PG_VERSION'), '18\n');
    expect(copyTemplateInto(join(root, 'from-half-built'), halfBuilt)).toBe(false);
    expect(copyTemplateInto(join(root, 'from-nothing'), join(root, 'no-such-template'))).toBe(false);
    expect(existsSync(join(root, 'from-half-built'))).toBe(false);
  });

  it('falls back to initdb when the template is unusable', async () => {
    const dataDir = join(root, 'initdb');
    const storage = await openPostgresStorage({
      pglite: { dataDir, template: join(root, 'no-such-template') },
    });
    try {
      expect(storage.appliedMigrations).toContain('relational schema');
    } finally {
      await storage.close();
    }
  }, 120_000);
});

function countFiles(directory: string): number {
  return readdirSync(directory, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
    .length;
}
