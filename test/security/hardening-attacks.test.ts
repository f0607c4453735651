/**
 * Attacks on a real `godwit serve` (auth required, two tenants, short client timeouts): zip and XML bombs
 * uploaded as .docx/.xlsx, slow clients (slowloris headers, a body trickled byte by byte, a reader that
 * never reads its answer), and one tenant's keys against every resource route of the other. Memory is the
 * child's own peak RSS (VmHWM in /proc/<pid>/status), never a timing. Every case counts in docs/SECURITY.md.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocx, buildDocxBomb, buildXlsx, buildZip } from '../../src/ingest/fixtures/sample-files.ts';
import { type GodwitProcess, runGodwit, startGodwit } from '../support/godwit-process.ts';

const TIMEOUTS = { headersMs: 2_000, requestMs: 4_000, idleMs: 3_000 };
/** Far below what any bomb here expands to (a billion laughs: 3 GB; the zip bombs: 1 GiB and more). */
const PEAK_RSS_LIMIT_BYTES = 1_024 * 1_024 * 1_024;
const MARKER = 'ZEBRA-7731';

let server: GodwitProcess;
const secrets = { acme: '', acmeUser: '', globex: '', globexUser: '' };
const acme = { conversationId: '', documentId: '' };

async function createKey(env: Record<string, string>, tenant: string, role: 'admin' | 'user') {
  const output = await runGodwit(
    ['keys', 'create', '--name', `${tenant}-${role}`, '--role', role, '--tenant', tenant, '--json'],
    env,
  );
  return (JSON.parse(output) as { secret: string }).secret;
}

interface Answer {
  status: number;
  text: string;
}

async function call(secret: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secret}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      // MCP's streamable HTTP asks for both; elsewhere an event-stream Accept would stream the answer.
      accept: path === '/mcp' ? 'application/json, text/event-stream' : 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function upload(secret: string, kb: string, name: string, bytes: Uint8Array): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(bytes)]), name);
  const response = await fetch(`${server.url}/api/knowledge-bases/${kb}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}` },
    body: form,
  });
  return { status: response.status, text: await response.text() };
}

/** The child's peak resident memory so far, from the kernel (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line?.[1]) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(line[1]) * 1024;
}

beforeAll(async () => {
  server = await startGodwit({
    env: {
      GODWIT_SAMPLE: 'false',
      GODWIT_AUTH__MODE: 'required',
      GODWIT_SERVER__HEADERS_TIMEOUT_MS: String(TIMEOUTS.headersMs),
      GODWIT_SERVER__REQUEST_TIMEOUT_MS: String(TIMEOUTS.requestMs),
      GODWIT_SERVER__IDLE_TIMEOUT_MS: String(TIMEOUTS.idleMs),
    },
    readyTimeoutMs: 240_000,
    beforeStart: async (env) => {
      // A server that requires auth starts only with an admin key in the default tenant.
      await createKey(env, 'default', 'admin');
      secrets.acme = await createKey(env, 'acme', 'admin');
      secrets.acmeUser = await createKey(env, 'acme', 'user');
      secrets.globex = await createKey(env, 'globex', 'admin');
      secrets.globexUser = await createKey(env, 'globex', 'user');
    },
  });
  expect((await call(secrets.acme, 'POST', '/api/knowledge-bases', { name: 'secrets' })).status).toBe(201);
  expect((await call(secrets.globex, 'POST', '/api/knowledge-bases', { name: 'bombs' })).status).toBe(201);
  const uploaded = await upload(
    secrets.acme,
    'secrets',
    'plan.md',
    strToU8(`# Launch plan\nThe launch code is ${MARKER}; the launch is on Tuesday.\n`),
  );
  expect(uploaded.status, uploaded.text).toBe(201);
  acme.documentId = (JSON.parse(uploaded.text) as { results: Array<{ documentId: string }> }).results[0]
    ?.documentId as string;
  const chat = await call(secrets.acme, 'POST', '/api/chat', {
    message: 'What is the launch code?',
    knowledgeBase: 'secrets',
  });
  expect(chat.status, chat.text).toBe(200);
  expect(chat.text).toContain(MARKER);
  acme.conversationId = (JSON.parse(chat.text) as { conversationId: string }).conversationId;
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe('zip and XML bombs uploaded as Office files', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
    { length: 9 },
    (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`,
  ).join('')}]>`;
  const word = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const sheet = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const depth = 200_000;

  function replacePart(bytes: Uint8Array, name: string, xml: string): Uint8Array {
    const files = unzipSync(bytes);
    files[name] = strToU8(xml);
    return zipSync(files);
  }

  const bombs: Array<[string, string, () => Promise<Uint8Array>, RegExp]> = [
    [
      'a .docx that inflates to 1 GiB of zeros',
      'zeros.docx',
      async () => buildDocxBomb(1024 ** 3),
      /zip bomb/,
    ],
    [
      'a .docx whose headers understate what it inflates to',
      'liar.docx',
      async () => buildDocxBomb(256 * 1024 ** 2, 1024),
      /zip bomb|expands|larger/,
    ],
    [
      'a .xlsx of many parts each inflating to 200 MiB',
      'many.xlsx',
      async () =>
        buildZip([
          { name: '[Content_Types].xml', text: '<?xml version="1.0"?><Types/>' },
          ...Array.from({ length: 8 }, (_, index) => ({
            name: `xl/worksheets/sheet${index + 1}.xml`,
            zeros: 200 * 1024 ** 2,
          })),
        ]),
      /zip bomb/,
    ],
    [
      'a .docx with a billion-laughs entity',
      'laughs.docx',
      async () =>
        replacePart(
          await buildDocx([{ text: 'hello' }]),
          'word/document.xml',
          `${laughs}<w:document ${word}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>`,
        ),
      /could not be read as a Word document/,
    ],
    [
      'a .xlsx with a billion-laughs shared string',
      'laughs.xlsx',
      async () =>
        replacePart(
          await buildXlsx([{ name: 'S', rows: [['a', 'b']] }]),
          'xl/sharedStrings.xml',
          `${laughs}<sst ${sheet} count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>`,
        ),
      /could not be read as an Excel workbook/,
    ],
    [
      `a .docx nested ${depth} paragraphs deep`,
      'deep.docx',
      async () =>
        replacePart(
          await buildDocx([{ text: 'hello' }]),
          'word/document.xml',
          `<?xml version="1.0"?><w:document ${word}><w:body>${'<w:p>'.repeat(depth)}x${'</w:p>'.repeat(depth)}</w:body></w:document>`,
        ),
      /could not be read as a Word document \(its content is nested too deeply to read\)/,
    ],
    [
      `a .xlsx nested ${depth} rows deep`,
      'deep.xlsx',
      async () =>
        replacePart(
          await buildXlsx([{ name: 'S', rows: [['a', 'b']] }]),
          'xl/worksheets/sheet1.xml',
          `<?xml version="1.0"?><worksheet ${sheet}><sheetData>${'<row>'.repeat(depth)}${'</row>'.repeat(depth)}</sheetData></worksheet>`,
        ),
      /could not be read as an Excel workbook/,
    ],
  ];

  it.each(bombs)(
    'refuses %s with 422 and a reason, stores nothing and keeps serving',
    async (_name, file, build, reason) => {
      const answer = await upload(secrets.globex, 'bombs', file, await build());
      expect(answer.status, answer.text).toBe(422);
      const body = JSON.parse(answer.text) as {
        error: { details: { results: Array<{ status: string; error: string; documentId: string | null }> } };
      };
      const [result] = body.error.details.results;
      expect(result?.status).toBe('failed');
      expect(result?.error).toMatch(reason);
      expect(result?.error).toContain(file);
      const listed = await call(secrets.globex, 'GET', '/api/knowledge-bases/bombs/documents');
      expect(listed.text).not.toContain(file);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(peakRss(server.pid)).toBeLessThan(PEAK_RSS_LIMIT_BYTES);
    },
    120_000,
  );

  it('ingests a real .docx after the bombs (control)', async () => {
    const answer = await upload(
      secrets.globex,
      'bombs',
      'real.docx',
      await buildDocx([{ heading: 1, text: 'Tides' }, { text: 'The tide turns twice a day.' }]),
    );
    expect(answer.status, answer.text).toBe(201);
  });
});

/** A raw connection: what it receives, and a promise that settles when the server closes it. */
function openRaw(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte at a time, a byte every `everyMs`, until done or the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= text.length) {
        clearInterval(timer);
        resolve(sent);
        return;
      }
      socket.write(text[sent] as string);
      sent += 1;
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve(sent);
    });
  });
}

/**
 * Resolves once the server has closed its end of this client's connection: the kernel's row for the
 * server's side leaves ESTABLISHED (FIN_WAIT1 while its unsent answer waits behind the unread data).
 */
async function waitForServerClose(socket: Socket): Promise<void> {
  const hex = (port: number | undefined) => (port ?? 0).toString(16).toUpperCase().padStart(4, '0');
  const [client, serverPort] = [hex(socket.localPort), hex(socket.remotePort)];
  for (;;) {
    const row = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((fields) => fields[1]?.endsWith(`:${serverPort}`) && fields[2]?.endsWith(`:${client}`));
    if (row?.[3] !== '01') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('slow clients', () => {
  const auth = () => `authorization: Bearer ${secrets.acme}\r\n`;

  it('cuts a client that sends its headers a byte at a time (slowloris) with 408, serving others meanwhile', async () => {
    const raw = await openRaw();
    const headers = `GET /api/knowledge-bases HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth()}${'x-padding: a\r\n'.repeat(400)}\r\n`;
    const sending = trickle(raw.socket, headers, 50);
    const meanwhile = await call(secrets.acme, 'GET', '/api/knowledge-bases');
    expect(meanwhile.status).toBe(200);
    await raw.closed;
    expect(await sending).toBeLessThan(headers.length);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that trickles its body byte by byte with 408', async () => {
    const raw = await openRaw();
    const body = JSON.stringify({ name: 'trickled', description: 'x'.repeat(400) });
    raw.socket.write(
      `POST /api/knowledge-bases HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth()}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    const sending = trickle(raw.socket, body, 50);
    expect((await call(secrets.acme, 'GET', '/api/knowledge-bases')).status).toBe(200);
    await raw.closed;
    expect(await sending).toBeLessThan(body.length);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/);
    const listed = await call(secrets.acme, 'GET', '/api/knowledge-bases');
    expect(listed.text).not.toContain('trickled');
  });

  it('closes a connection that stops sending its body half way', async () => {
    const raw = await openRaw();
    raw.socket.write(
      `POST /api/knowledge-bases HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth()}content-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":`,
    );
    await raw.closed;
    expect((await call(secrets.acme, 'GET', '/api/knowledge-bases')).status).toBe(200);
  });

  it('closes the connection of a client that never reads a large answer, and serves others meanwhile', async () => {
    // 16 MB, mostly blank (cheap to ingest): its download cannot fit in the socket buffers.
    const big = strToU8(`# Big\nThe tide turns twice a day.\n${' '.repeat(16_000_000)}\nend\n`);
    const stored = await upload(secrets.acme, 'secrets', 'big.md', big);
    expect(stored.status, stored.text).toBe(201);
    const id = (JSON.parse(stored.text) as { results: Array<{ documentId: string }> }).results[0]?.documentId;
    const raw = await openRaw();
    raw.socket.pause();
    raw.socket.write(
      `GET /api/knowledge-bases/secrets/documents/${id}/file HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth()}\r\n`,
    );
    expect((await call(secrets.acme, 'GET', '/api/knowledge-bases')).status).toBe(200);
    // The client hears no FIN while it does not read (it waits behind the answer): ask the kernel instead.
    await waitForServerClose(raw.socket);
    raw.socket.resume();
    await raw.closed;
    // What reached the client before the cut is less than the whole answer.
    expect(raw.received().length).toBeLessThan(big.length);
  }, 120_000);
});

describe('one tenant against the other tenant’s resources', () => {
  const plan = () =>
    [
      ['GET', `/api/conversations/${acme.conversationId}`],
      ['PATCH', `/api/conversations/${acme.conversationId}`, { title: 'taken' }],
      ['DELETE', `/api/conversations/${acme.conversationId}`],
      ['POST', '/api/chat', { message: 'And the code again?', conversationId: acme.conversationId }],
      [
        'POST',
        `/api/conversations/${acme.conversationId}/tool-approvals`,
        { approvals: [{ approvalId: 'approval_1', approved: true }] },
      ],
      ['GET', '/api/knowledge-bases/secrets'],
      ['DELETE', '/api/knowledge-bases/secrets'],
      ['GET', '/api/knowledge-bases/secrets/documents'],
      ['DELETE', `/api/knowledge-bases/secrets/documents/${acme.documentId}`],
      ['GET', `/api/knowledge-bases/secrets/documents/${acme.documentId}/file`],
      ['POST', `/api/knowledge-bases/secrets/documents/${acme.documentId}/reindex`],
      ['POST', '/api/search', { query: 'launch code', knowledgeBase: 'secrets' }],
      // This server takes multipart uploads only: 409 before any knowledge base is looked up.
      ['POST', '/api/knowledge-bases/secrets/uploads', { filename: 'x.md', bytes: 10 }, 409],
      ['GET', '/api/knowledge-bases/secrets/uploads/upl_1', undefined, 409],
      ['GET', '/v1/models/kb:secrets'],
      [
        'POST',
        '/v1/chat/completions',
        { model: 'kb:secrets', messages: [{ role: 'user', content: 'What is the launch code?' }] },
      ],
    ] as Array<[string, string, unknown?, number?]>;

  for (const role of ['admin', 'user'] as const) {
    it(`answers a ${role} key of another tenant 404 on every route that names the resource`, async () => {
      const secret = role === 'admin' ? secrets.globex : secrets.globexUser;
      const answers: string[] = [];
      for (const [method, path, body, expected] of plan()) {
        const answer = await call(secret, method, path, body);
        answers.push(`${method} ${path} → ${answer.status}`);
        expect(answer.text, `${method} ${path}`).not.toContain(MARKER);
        const allowed = expected === undefined ? [403, 404] : [403, 404, expected];
        expect(allowed, `${method} ${path}: ${answer.text}`).toContain(answer.status);
      }
      expect(answers).toHaveLength(plan().length);
    });
  }

  it('lists nothing of the other tenant: conversations, knowledge bases, usage, audit, /v1/models', async () => {
    for (const path of [
      '/api/conversations',
      '/api/knowledge-bases',
      '/api/usage',
      '/api/audit',
      '/v1/models',
    ]) {
      const answer = await call(secrets.globex, 'GET', path);
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
      expect(answer.text, path).not.toContain(acme.conversationId);
      expect(answer.text, path).not.toContain('secrets');
      expect(answer.text, path).not.toContain(MARKER);
    }
  });

  it('lets MCP tools reach nothing of the other tenant', async () => {
    const calls = [
      { name: 'list_knowledge_bases', arguments: {} },
      { name: 'search_knowledge_base', arguments: { knowledgeBase: 'secrets', query: 'launch code' } },
      { name: 'get_document', arguments: { knowledgeBase: 'secrets', source: 'plan.md' } },
      { name: 'ask', arguments: { knowledgeBase: 'secrets', question: 'What is the launch code?' } },
    ];
    for (const [id, params] of calls.entries()) {
      const answer = await call(secrets.globex, 'POST', '/mcp', {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params,
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text, params.name).not.toContain(MARKER);
      expect(answer.text, params.name).not.toContain('"secrets"');
      if (params.name !== 'list_knowledge_bases') expect(answer.text).toMatch(/does not exist/);
    }
  });

  it('leaves the owner’s conversation, knowledge base and document as they were (control)', async () => {
    const conversation = await call(secrets.acme, 'GET', `/api/conversations/${acme.conversationId}`);
    expect(conversation.status).toBe(200);
    expect(conversation.text).toContain(MARKER);
    expect(conversation.text).not.toContain('taken');
    expect(conversation.text).not.toContain('And the code again?');
    const documents = await call(secrets.acme, 'GET', '/api/knowledge-bases/secrets/documents');
    expect(documents.status).toBe(200);
    expect(documents.text).toContain(acme.documentId);
    const search = await call(secrets.acmeUser, 'POST', '/api/search', {
      query: 'launch code',
      knowledgeBase: 'secrets',
    });
    expect(search.text).toContain(MARKER);
  });
});
