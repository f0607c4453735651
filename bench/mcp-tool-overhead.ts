/**
 * MCP tool-call overhead: one `lookup_user` call on a real MCP server (the test fixture, built with the
 * official SDK, over streamable HTTP on loopback) made by Godwit's MCP tool (the AI SDK MCP client behind the
 * URL guard, run through guardedExecute with timeout, output cap and redaction) against the official MCP
 * SDK client calling the same server directly. Alternating rounds in one process share the machine's noise.
 *
 *   npx tsx bench/mcp-tool-overhead.ts [calls]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CitationCollector } from '../src/core/agent/citation-collector.ts';
import { guardedExecute } from '../src/core/agent/guarded-execute.ts';
import { createUrlGuard } from '../src/net/index.ts';
import { connectMcpSource } from '../src/tools/mcp/mcp-tools.ts';

const calls = Number(process.argv[2] ?? 300);
const server = spawn(
  process.execPath,
  [join(import.meta.dirname, '../test/agents/fixtures/mcp-iam-server.mjs'), '--http'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise<string>((resolve) => {
  server.stdout.on('data', (chunk: Buffer) => {
    const match = /listening (\d+)/.exec(chunk.toString());
    if (match?.[1]) resolve(match[1]);
  });
});
const url = `http://127.0.0.1:${port}/mcp`;

const direct = new Client({ name: 'bench', version: '1.0.0' });
await direct.connect(new StreamableHTTPClientTransport(new URL(url)));
const godwit = await connectMcpSource({
  source: 'iam',
  settings: { url, transport: 'http', auth: null, command: null, args: [], env: {}, tools: ['lookup_user'] },
  env: {},
  urlGuard: createUrlGuard({ allowedHosts: ['127.0.0.1'] }),
  secrets: [],
});
const lookup = godwit.tools[0]!;
const limits = { timeoutMs: 30_000, maxOutputBytes: 65_536, secrets: ['s3cret-value'] };

async function directCall(): Promise<number> {
  const startedAt = performance.now();
  await direct.callTool({ name: 'lookup_user', arguments: { username: 'bob' } });
  return performance.now() - startedAt;
}

async function godwitCall(): Promise<number> {
  const startedAt = performance.now();
  await guardedExecute(
    lookup,
    { username: 'bob' },
    {
      tenantId: 't',
      userId: 'u',
      conversationId: 'c',
      toolCallId: 'call',
      abortSignal: new AbortController().signal,
      citations: new CitationCollector(),
    },
    limits,
  );
  return performance.now() - startedAt;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

for (let warm = 0; warm < 30; warm++) {
  await directCall();
  await godwitCall();
}
const times = { direct: [] as number[], godwit: [] as number[] };
for (let index = 0; index < calls; index++) {
  times.direct.push(await directCall());
  times.godwit.push(await godwitCall());
}
const summary = (values: number[]) => ({ p50Ms: percentile(values, 0.5), p95Ms: percentile(values, 0.95) });
const result = {
  calls,
  direct: summary(times.direct),
  godwit: summary(times.godwit),
  ratioP50: percentile(times.godwit, 0.5) / percentile(times.direct, 0.5),
};
console.log(JSON.stringify(result, null, 2));
await direct.close();
await godwit.close();
server.kill();
