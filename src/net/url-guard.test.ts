import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { createUrlGuard, type HostResolver, UrlRefusedError } from './index.ts';

const servers: Server[] = [];

async function listen(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

async function refusal(promise: Promise<unknown>): Promise<UrlRefusedError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UrlRefusedError);
  return error as UrlRefusedError;
}

let port: number;
let hits = 0;

beforeAll(async () => {
  port = await listen((request, response) => {
    hits++;
    if (request.url === '/cat.png') {
      response.writeHead(200, { 'content-type': 'image/png; charset=binary' });
      response.end(Buffer.from('PNGDATA'));
    } else if (request.url === '/loop') {
      response.writeHead(302, { location: '/loop' }).end();
    } else if (request.url === '/to-internal') {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/cat.png` }).end();
    } else if (request.url === '/big') {
      response.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    } else if (request.url === '/big-chunked') {
      response.write(Buffer.alloc(800));
      response.end(Buffer.alloc(800));
    } else if (request.url === '/hang') {
      // Never answers: the guard's timeout must end the wait.
    } else {
      response.writeHead(404).end();
    }
  });
});

afterAll(() => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
});

describe('the URL guard', () => {
  it.each([
    ['http://127.0.0.1:1/x', 'loopback'],
    ['http://2130706433:1/x', 'loopback'],
    ['http://0x7f.1:1/x', 'loopback'],
    ['http://017700000001:1/x', 'loopback'],
    ['http://[::ffff:127.0.0.1]:1/x', 'loopback'],
    ['http://[::ffff:7f00:1]:1/x', 'loopback'],
    ['http://[::1]:1/x', 'loopback'],
    ['http://0.0.0.0:1/x', 'unspecified'],
    ['http://0:1/x', 'unspecified'],
    ['http://[::]:1/x', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'cloud metadata'],
    ['http://[::ffff:169.254.169.254]/', 'cloud metadata'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://100.64.0.1/', 'shared carrier-grade NAT'],
    ['http://169.254.10.10/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://[64:ff9b::7f00:1]/', 'loopback'],
  ])('refuses %s as a %s address before connecting', async (url, range) => {
    const before = hits;
    const error = await refusal(createUrlGuard().fetch(url));
    expect(error.reason).toBe('internal_address');
    expect(error.details).toMatchObject({ range });
    expect(error.message).toContain('urlFetch.allowedHosts');
    expect(error.code).toBe('bad_request');
    expect(hits).toBe(before);
  });

  it('refuses a host name that resolves to loopback (localhost from the system resolver)', async () => {
    const error = await refusal(createUrlGuard().fetch(`http://localhost:${port}/cat.png`));
    expect(error.reason).toBe('internal_address');
    expect(error.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('refuses a name when any one of its addresses is internal', async () => {
    const resolve: HostResolver = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const error = await refusal(createUrlGuard({ resolve }).fetch('http://mixed.example/'));
    expect(error.details).toMatchObject({ address: '10.1.2.3', range: 'private' });
  });

  it('connects to the address it checked and never looks the name up again', async () => {
    let lookups = 0;
    const resolve: HostResolver = async () => {
      lookups++;
      return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }];
    };
    const guard = createUrlGuard({ resolve, allowedHosts: ['127.0.0.1'] });
    // rebind.invalid cannot resolve in real DNS: the bytes can only come from the pinned address.
    const fetched = await guard.fetch(`http://rebind.invalid:${port}/cat.png`);
    expect(Buffer.from(fetched.bytes).toString()).toBe('PNGDATA');
    expect(fetched.mediaType).toBe('image/png');
    expect(lookups).toBe(1);
  });

  it('fetches an allow-listed internal host', async () => {
    const guard = createUrlGuard({ allowedHosts: ['127.0.0.0/8'] });
    const fetched = await guard.fetch(`http://127.0.0.1:${port}/cat.png`);
    expect(Buffer.from(fetched.bytes).toString()).toBe('PNGDATA');
  });

  it('checks every redirect again: an allowed name redirecting to an internal address is refused', async () => {
    const guard = createUrlGuard({ allowedHosts: ['localhost'] });
    const error = await refusal(guard.fetch(`http://localhost:${port}/to-internal`));
    expect(error.reason).toBe('internal_address');
    expect(error.message).toContain(`http://127.0.0.1:${port}/cat.png`);
  });

  it('stops after the configured number of redirects', async () => {
    const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'], maxRedirects: 3 });
    const error = await refusal(guard.fetch(`http://127.0.0.1:${port}/loop`));
    expect(error.reason).toBe('too_many_redirects');
    expect(error.message).toContain('more than 3 redirects');
  });

  it('refuses bodies over the size cap, declared or streamed', async () => {
    const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'], maxBytes: 1000 });
    expect((await refusal(guard.fetch(`http://127.0.0.1:${port}/big`))).reason).toBe('too_large');
    const streamed = await refusal(guard.fetch(`http://127.0.0.1:${port}/big-chunked`));
    expect(streamed.reason).toBe('too_large');
    expect(streamed.message).toContain('1000-byte limit');
    const smaller = await refusal(
      createUrlGuard({ allowedHosts: ['127.0.0.1'] }).fetch(`http://127.0.0.1:${port}/cat.png`, {
        maxBytes: 3,
      }),
    );
    expect(smaller.reason).toBe('too_large');
  });

  it('stops a download that does not finish in time', async () => {
    const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'], timeoutMs: 150 });
    const error = await refusal(guard.fetch(`http://127.0.0.1:${port}/hang`));
    expect(error.reason).toBe('timeout');
    expect(error.isRetryable).toBe(true);
  });

  it('names HTTP errors, unreachable hosts, bad URLs and other schemes', async () => {
    const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'] });
    const missing = await refusal(guard.fetch(`http://127.0.0.1:${port}/nothing`));
    expect(missing.message).toContain('returned HTTP 404');
    expect((await refusal(guard.fetch('not a url'))).reason).toBe('invalid_url');
    expect((await refusal(guard.fetch('file:///etc/passwd'))).reason).toBe('unsupported_scheme');
    expect((await refusal(guard.fetch('gopher://127.0.0.1/'))).reason).toBe('unsupported_scheme');
    const nowhere = await refusal(guard.fetch('http://no-such-host.invalid/'));
    expect(nowhere.reason).toBe('unresolvable_host');
  });

  it('keeps user name and password out of its messages', async () => {
    const error = await refusal(createUrlGuard().fetch('http://admin:hunter2@127.0.0.1/'));
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses an allow-list entry that is neither a host, an address nor a range', () => {
    expect(() => createUrlGuard({ allowedHosts: ['10.0.0.0/99'] })).toThrow(ConfigError);
    expect(() => createUrlGuard({ allowedHosts: ['http://x'] })).toThrow(/urlFetch.allowedHosts/);
  });
});
