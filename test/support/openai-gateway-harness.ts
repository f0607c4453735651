/**
 * A running Godwit for OpenAI-client tests: the real app behind `@hono/node-server` on a loopback port,
 * with services from the production wiring (`createModels` for the model layer: the registry with
 * resilience, the fallback chain, the forwarder and embedders; `assembleServices` for the rest) and
 * `openai:` models and embeddings served by the OpenAI wire-format emulator. Storage is in memory so that
 * the suite starts in well under a second; no model cache, so every call reaches the emulator.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import OpenAI from 'openai';
import { createModels } from '../../src/config/create-models.ts';
import { assembleServices } from '../../src/config/index.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { Pricing } from '../../src/core/models.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { DEFAULT_TENANT, type UsageEntry } from '../../src/core/types.ts';
import { createChatCompletionsForwarder } from '../../src/providers/forwarding/index.ts';
import type { AppOptions } from '../../src/server/app-env.ts';
import { createApp } from '../../src/server/index.ts';
import { createGodwitMetrics, type GodwitMetrics } from '../../src/server/metrics/index.ts';
import { createMemoryStorage } from '../../src/storage/memory/index.ts';
import { type Emulator, startEmulator } from './emulators/index.ts';
import { testParts } from './test-parts.ts';

/**
 * `openai:` chat is forwarded unchanged to the provider by default; every other provider goes through the
 * AI SDK. Both paths must behave the same to an OpenAI client, so chat suites run once per path.
 */
export const CHAT_PATHS = [
  { path: 'forwarded unchanged', forwarding: true },
  { path: 'through the AI SDK', forwarding: false },
] as const;

/** The official OpenAI client on the gateway's /v1, with a local key and no retries. */
export function openAIClient(gateway: Gateway): OpenAI {
  return new OpenAI({ apiKey: 'sk-godwit-local', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

export const CHAT_MODEL = 'openai:gpt-4.1-mini';
/** Priced differently from CHAT_MODEL, so a test can tell which model a usage row was priced as. */
export const FALLBACK_CHAT_MODEL = 'openai:gpt-4o-mini';
export const EMBEDDING_MODEL = 'openai:text-embedding-3-small';
export const KNOWLEDGE_BASE = 'handbook';
export const POLICY_SOURCE = 'leave-policy.md';

const POLICY = `# Leave policy

## Vacation
New employees get 20 days of paid vacation in their first year. After five years it rises to 25 days.

## Sick leave
Sick leave is unlimited with a doctor's note after three days.
`;

/** Dollars per 1,000 tokens for the two chat models only; the embedding model stays unpriced. */
export const testPricing: Pricing = (model, usage) =>
  model === CHAT_MODEL
    ? (usage.inputTokens * 0.4 + usage.outputTokens * 1.6) / 1000
    : model === FALLBACK_CHAT_MODEL
      ? (usage.inputTokens * 0.1 + usage.outputTokens * 0.4) / 1000
      : null;

export interface Gateway {
  /** `http://127.0.0.1:PORT`; OpenAI clients use `${url}/v1`. */
  url: string;
  emulator: Emulator;
  services: GodwitServices;
  metrics: GodwitMetrics;
  /** Every usage-ledger row, in order. */
  usageRows: UsageEntry[];
  /** Resolves with the next usage row that matches. */
  nextUsage(match: (entry: UsageEntry) => boolean): Promise<UsageEntry>;
  /** Hit and miss counts reported to the metrics as the `embedding` cache. */
  cacheCounts: { hits: number; misses: number };
  close(): Promise<void>;
}

export interface GatewayOptions {
  /**
   * Forward `/v1/chat/completions` for `openai:` models unchanged, as the composition root does
   * (default true); false sends them through the AI SDK, the path every other provider takes.
   */
  forwarding?: boolean;
  /** Models tried in order when the requested one fails before answering (default none). */
  fallbackModels?: string[];
  /** App options beyond the defaults (a URL guard with an allow-list). */
  app?: AppOptions;
}

async function buildServices(
  emulator: Emulator,
  cacheCounts: Gateway['cacheCounts'],
  options: GatewayOptions,
): Promise<GodwitServices> {
  const fallbackModels = options.fallbackModels ?? [];
  const config = {
    models: { default: CHAT_MODEL, fallback: fallbackModels, embedding: EMBEDDING_MODEL },
    resilience: { timeoutMs: 10_000, retries: 0 },
  };
  const env = { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai };
  const layer = await createModels(configSchema.parse(config), env);
  const parts = testParts({
    stores: createMemoryStorage(),
    storesName: 'memory',
    config,
    pricing: testPricing,
    models: {
      ...layer,
      ...(options.forwarding === false
        ? { forwarder: createChatCompletionsForwarder({ endpoint: () => undefined }) }
        : {}),
      cacheStats: () => [{ cache: 'embedding', ...cacheCounts }],
    },
  });
  return assembleServices({ ...parts, env });
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const emulator = await startEmulator();
  const usageRows: UsageEntry[] = [];
  const cacheCounts = { hits: 0, misses: 0 };
  const services = await buildServices(emulator, cacheCounts, options);
  services.onUsage((entry) => usageRows.push(entry));
  // Keyword-only, so that seeding and grounded answers make no emulator calls a test would count.
  const knowledgeBase = await services.knowledge.createKnowledgeBase(DEFAULT_TENANT, {
    name: KNOWLEDGE_BASE,
    embeddingModel: null,
  });
  await services.knowledge.ingest(DEFAULT_TENANT, knowledgeBase, {
    source: POLICY_SOURCE,
    bytes: new TextEncoder().encode(POLICY),
  });
  const metrics = createGodwitMetrics();
  const app = createApp({ services, metrics, options: { logger: () => {}, ...options.app } });
  let server: ServerType | undefined;
  const url = await new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
  });
  return {
    url,
    emulator,
    services,
    metrics,
    usageRows,
    cacheCounts,
    nextUsage: (match) =>
      new Promise((resolve) => {
        const unsubscribe = services.onUsage((entry) => {
          if (!match(entry)) return;
          unsubscribe();
          resolve(entry);
        });
      }),
    async close() {
      // Clients keep connections alive; close them so the server stops at once.
      const closing = new Promise((resolve) => server?.close(resolve));
      (server as Server | undefined)?.closeAllConnections();
      await closing;
      await emulator.close();
      await services.close();
    },
  };
}
