/**
 * A PostgreSQL server of the suite's own: `initdb` into a temporary directory and `postgres` on a free
 * loopback port, from the machine's binaries (never the shared service). PostgreSQL refuses to run as
 * root, so under root both run as the `postgres` user.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from '../../support/free-port.ts';

const SEARCH = ['/usr/lib/postgresql'];

/** The directory holding `initdb` and `postgres`: GODWIT_FAULTS_PG_BIN, else the newest under /usr/lib/postgresql. */
export function findPostgresBinaries(env = process.env): string | undefined {
  if (env.GODWIT_FAULTS_PG_BIN) return env.GODWIT_FAULTS_PG_BIN;
  for (const root of SEARCH) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root).sort((left, right) => Number(right) - Number(left));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
    }
  }
  return undefined;
}

export class PostgresInstance {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    private readonly directory: string,
    readonly port: number,
    private readonly maxConnections: number,
  ) {}

  /** The superuser URL, straight to the server (not through any proxy). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(bin: string, options: { maxConnections?: number } = {}): Promise<PostgresInstance> {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-faults-pg-'));
    if (isRoot()) chownSync(directory, postgresUid(), postgresGid());
    runAs(join(bin, 'initdb'), ['-D', join(directory, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
    const instance = new PostgresInstance(bin, directory, await freePort(), options.maxConnections ?? 40);
    await instance.start();
    return instance;
  }

  async start(): Promise<void> {
    const [command, args] = asPostgresUser(join(this.bin, 'postgres'), [
      ...['-D', join(this.directory, 'data'), '-p', String(this.port), '-k', this.directory],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      ...['-c', `max_connections=${this.maxConnections}`, '-c', 'superuser_reserved_connections=3'],
    ]);
    this.process = spawn(command, args, { stdio: 'ignore' });
    await waitFor('PostgreSQL to accept connections', () => this.accepts());
  }

  /** Fast shutdown (SIGINT): open sessions are ended, as on a failover or a restart. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Signal the postmaster itself: `runuser` in between does not pass signals on.
    const pidFile = readFileSync(join(this.directory, 'data', 'postmaster.pid'), 'utf8');
    process.kill(Number(pidFile.split('\n')[0]), 'SIGINT');
    await exited;
  }

  /**
   * Opens idle superuser sessions until the server refuses one (every slot, the reserved ones too, is
   * taken); returns how many and a closer.
   */
  async fillConnectionSlots(): Promise<{ held: number; release: () => Promise<void> }> {
    const clients: pg.Client[] = [];
    for (let attempt = 0; attempt < this.maxConnections + 5; attempt += 1) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => {});
      try {
        await client.connect();
      } catch {
        break;
      }
      clients.push(client);
    }
    const release = async () => {
      await Promise.all(clients.map((client) => client.end().catch(() => {})));
    };
    return { held: clients.length, release };
  }

  /** A superuser session of its own, for work that must go on while every other slot is taken. */
  async session(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  /** Runs one statement as the superuser on a connection of its own. */
  async query<Row = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<Row[]> {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.port}/${database}`,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Row[];
    } finally {
      await client.end().catch(() => {});
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async accepts(): Promise<boolean> {
    await this.query('SELECT 1');
    return true;
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUid(): number {
  return Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
}

function postgresGid(): number {
  return Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function runAs(command: string, args: string[]): void {
  const [program, programArgs] = asPostgresUser(command, args);
  execFileSync(program, programArgs, { stdio: 'ignore' });
}
