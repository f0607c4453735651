/**
 * A Godwit that uses Bedrock's managed services, as users run it: a godwit.config.yaml written to a temp
 * directory, the real config loader and composition root, and the official AWS SDK clients talking to the
 * managed-services emulator (InvokeAgent, Retrieve, RetrieveAndGenerate, ApplyGuardrail) and to the model
 * wire emulator (Converse; OpenAI for other providers). Requests go through `app.request()` in-process.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import {
  type AgentRuntimeEmulator,
  type Emulator,
  startAgentRuntimeEmulator,
  startEmulator,
} from './emulators/index.ts';

export interface BedrockManagedServicesOptions {
  /**
   * The config after `dataDir:`, given the emulators' URLs (`managed` for an explicit `endpoint:`). The
   * Agent Runtime client finds the managed emulator through AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME.
   */
  config: (urls: { managed: string; models: string }) => string;
  /** AWS_REGION. Default us-east-1. */
  region?: string;
  /** Declares agents, knowledge bases and guardrails before Godwit starts. */
  prepare?: (managed: AgentRuntimeEmulator) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
export type ResponseBody = Record<string, any>;

export interface BedrockManagedServices {
  managed: AgentRuntimeEmulator;
  models: Emulator;
  services: GodwitServices;
  app: ReturnType<typeof createApp>;
  /** A JSON request (or a FormData upload) to the app; the body parsed as JSON. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: ResponseBody }>;
  /** POST /api/chat as JSON. */
  chat(body: Record<string, unknown>): Promise<{ status: number; body: ResponseBody }>;
  /** POST as server-sent events; the raw stream text. */
  stream(path: string, body: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startBedrockManagedServices(
  options: BedrockManagedServicesOptions,
): Promise<BedrockManagedServices> {
  const models = await startEmulator();
  const managed = await startAgentRuntimeEmulator();
  options.prepare?.(managed);
  const directory = mkdtempSync(join(tmpdir(), 'godwit-bedrock-managed-'));
  const path = join(directory, 'godwit.config.yaml');
  writeFileSync(
    path,
    `dataDir: ${join(directory, 'data')}\n${options.config({ managed: managed.url, models: models.url })}`,
  );
  const env = {
    OPENAI_API_KEY: 'sk-emulated',
    OPENAI_BASE_URL: models.baseURLs.openai,
    AWS_REGION: options.region ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret-example',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: models.url,
    AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME: managed.url,
  };
  const { config } = loadConfig({ configPath: path, env, cwd: directory });
  const services = await createGodwit(config, { env });
  const app = createApp({ services });
  const call = async (method: string, target: string, body?: unknown) => {
    const response = await app.request(target, {
      method,
      ...(body === undefined
        ? {}
        : body instanceof FormData
          ? { body }
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as ResponseBody };
  };
  return {
    managed,
    models,
    services,
    app,
    call,
    chat: (body) => call('POST', '/api/chat', body),
    async stream(target, body) {
      const response = await app.request(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(body),
      });
      return response.text();
    },
    async close() {
      await services.close();
      await models.close();
      await managed.close();
    },
  };
}
