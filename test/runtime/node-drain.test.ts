/** Stopping the Node server: requests in flight finish; only what outlives the grace period is cut. */
import { describe, expect, it } from 'vitest';
import { startNodeServer } from '../../src/runtime/node.ts';

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('the Node server stopping', () => {
  it('lets a request in flight finish, refuses new connections, then closes', async () => {
    const arrived = gate();
    const finish = gate();
    const server = await startNodeServer({
      host: '127.0.0.1',
      port: 0,
      fetch: async () => {
        arrived.open();
        await finish.opened;
        return new Response('answered in full');
      },
    });
    const inFlight = fetch(`${server.url}/slow`);
    await arrived.opened;
    expect(server.inFlight).toBe(1);
    const closing = server.close({ graceMs: 60_000 });
    const refused = await fetch(`${server.url}/new`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    finish.open();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.text()).toBe('answered in full');
    expect(await closing).toEqual({ cut: 0, inFlightAtStart: 1 });
  });

  it('cuts a response that is still running when the grace period ends', async () => {
    const started = gate();
    const server = await startNodeServer({
      host: '127.0.0.1',
      port: 0,
      fetch: () => {
        started.open();
        const body = new ReadableStream({
          start: (controller) => controller.enqueue(new TextEncoder().encode('data: one\n\n')),
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const response = await fetch(`${server.url}/stream`);
    await started.opened;
    const reading = response.text().catch((error: unknown) => error);
    expect(await server.close({ graceMs: 50 })).toEqual({ cut: 1, inFlightAtStart: 1 });
    expect(await reading).toBeInstanceOf(Error);
  });
});
