/**
 * Images linked from `/v1/chat/completions` messages: Godwit fetches them itself through the URL guard
 * and gives the model the bytes. An internal address in any notation, or a name that resolves to one, is
 * a 400 naming the field and the problem, and nothing is fetched.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlGuard } from '../../src/net/index.ts';
import { CHAT_MODEL, type Gateway, startGateway } from '../support/openai-gateway-harness.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let imageServer: Server;
let imagePort: number;
let imageHits = 0;

beforeAll(async () => {
  imageServer = createServer((request, response) => {
    imageHits++;
    if (request.url === '/cat.png') response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (request.url === '/page') response.writeHead(200, { 'content-type': 'text/html' }).end('<p>');
    else response.writeHead(404).end();
  });
  imageServer.listen(0, '127.0.0.1');
  await once(imageServer, 'listening');
  imagePort = (imageServer.address() as AddressInfo).port;
});

afterAll(() => {
  imageServer.close();
});

function withImage(url: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model: CHAT_MODEL,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url } },
        ],
      },
    ],
  };
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe('image URLs in /v1/chat/completions (through the AI SDK)', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({ forwarding: false });
    client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['localhost', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
  ])('answers 400 for an image at %s (%s) and fetches nothing', async (host, range) => {
    const hitsBefore = imageHits;
    const modelCallsBefore = gateway.emulator.requests.length;
    const error = await failure(
      client.chat.completions.create(withImage(`http://${host}:${imagePort}/cat.png`)),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe('messages[0].content[1].image_url.url');
    expect(error.message).toContain(`is a ${range} address`);
    expect(error.message).toContain('urlFetch.allowedHosts');
    expect(imageHits).toBe(hitsBefore);
    expect(gateway.emulator.requests.length).toBe(modelCallsBefore);
  });

  it('refuses on the streaming path the same way, before the stream starts', async () => {
    const error = await failure(
      client.chat.completions.create({ ...withImage(`http://127.0.0.1:${imagePort}/cat.png`), stream: true }),
    );
    expect(error.status).toBe(400);
  });
});

describe('image URLs from an allowed host', () => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({
      forwarding: false,
      app: { urlGuard: createUrlGuard({ allowedHosts: ['127.0.0.1'] }), maxImageBytes: 1024 },
    });
    client = new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('gives the model the fetched bytes, never the URL', async () => {
    const completion = await client.chat.completions.create(
      withImage(`http://127.0.0.1:${imagePort}/cat.png`),
    );
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const sent = gateway.emulator.requests.at(-1)?.body as {
      messages: Array<{ content: Array<{ type: string; image_url?: { url: string } }> }>;
    };
    const image = sent.messages[0]?.content.find((part) => part.type === 'image_url');
    expect(image?.image_url?.url).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
  });

  it('answers 400 naming the problem when the image cannot be used', async () => {
    const missing = await failure(
      client.chat.completions.create(withImage(`http://127.0.0.1:${imagePort}/gone`)),
    );
    expect(missing.status).toBe(400);
    expect(missing.message).toContain('returned HTTP 404');
    const page = await failure(
      client.chat.completions.create(withImage(`http://127.0.0.1:${imagePort}/page`)),
    );
    expect(page.status).toBe(400);
    expect(page.message).toContain('is not an image (it answered text/html)');
    const big = createServer((_request, response) => response.end(Buffer.alloc(4096)));
    big.listen(0, '127.0.0.1');
    await once(big, 'listening');
    const tooLarge = await failure(
      client.chat.completions.create(
        withImage(`http://127.0.0.1:${(big.address() as AddressInfo).port}/x.png`),
      ),
    );
    big.close();
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.message).toContain('larger than the 1024-byte limit');
  });
});
