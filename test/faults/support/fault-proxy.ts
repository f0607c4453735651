/**
 * A TCP proxy between the server and one dependency that the fault suite steers: pass traffic through,
 * delay every chunk, stall (hold every byte in both directions, accept new connections but forward
 * nothing), reset every open connection, or refuse new ones.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'delay' | 'stall' | 'refuse';

interface Pipe {
  client: Socket;
  upstream: Socket;
}

export class FaultProxy {
  private mode: ProxyMode = 'pass';
  private delayMs = 0;
  private readonly pipes = new Set<Pipe>();
  private readonly held: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
    const proxy = new FaultProxy(server, address.port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Connections currently open through the proxy. */
  get openConnections(): number {
    return this.pipes.size;
  }

  pass(): void {
    this.mode = 'pass';
    for (const release of this.held.splice(0)) release();
  }

  /** Holds every byte both ways until `pass()`; the sockets stay open, as on a frozen network path. */
  stall(): void {
    this.mode = 'stall';
  }

  delay(milliseconds: number): void {
    this.mode = 'delay';
    this.delayMs = milliseconds;
  }

  /** New connections are reset at once (a dead host behind a live load balancer). */
  refuse(): void {
    this.mode = 'refuse';
  }

  /** Resets every open connection (RST), as a failover or a proxy restart does. */
  resetAll(): number {
    const count = this.pipes.size;
    for (const pipe of [...this.pipes]) {
      pipe.client.resetAndDestroy();
      pipe.upstream.resetAndDestroy();
    }
    this.pipes.clear();
    return count;
  }

  async close(): Promise<void> {
    this.resetAll();
    for (const release of this.held.splice(0)) release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(this.target);
    const pipe = { client, upstream };
    this.pipes.add(pipe);
    const end = () => {
      this.pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => this.forward(chunk, upstream));
    upstream.on('data', (chunk) => this.forward(chunk, client));
  }

  private forward(chunk: Buffer, to: Socket): void {
    const write = () => {
      if (!to.destroyed) to.write(chunk);
    };
    if (this.mode === 'stall') {
      this.held.push(write);
      return;
    }
    if (this.mode === 'delay' && this.delayMs > 0) {
      setTimeout(write, this.delayMs);
      return;
    }
    write();
  }
}
