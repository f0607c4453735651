/** A redis-server of the suite's own on a free loopback port, which the suite can kill, freeze and restart. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, waitFor } from '../../support/free-port.ts';

export function findRedisServer(env = process.env): string | undefined {
  if (env.GODWIT_FAULTS_REDIS_SERVER) return env.GODWIT_FAULTS_REDIS_SERVER;
  try {
    return execFileSync('which', ['redis-server']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export class RedisInstance {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(binary: string): Promise<RedisInstance> {
    const instance = new RedisInstance(binary, await freePort());
    await instance.start();
    return instance;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.process = spawn(this.binary, args, { stdio: 'ignore' });
    await waitFor('Redis to answer PING', () => this.pings());
  }

  /** SIGKILL: the server is gone at once, connections reset. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: connections stay open and nothing answers, as on a hung host. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    this.thaw();
    await this.kill();
  }

  private pings(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.end();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
  }
}
