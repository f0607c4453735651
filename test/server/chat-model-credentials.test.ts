/**
 * A request naming a model whose provider has no credentials on this server is the client's to fix: `400`
 * naming the variable to set, nothing stored. Runs the real configuration loading and composition root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GodwitServices } from '../../src/core/services.ts';
import { createApp } from '../../src/server/index.ts';
import { errorOf, postJson } from './http-helpers.ts';

let root: string;
let services: GodwitServices;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'godwit-credentials-'));
  const env = { GODWIT_DATA_DIR: join(root, 'data') };
  const { config } = loadConfig({ env, cwd: root });
  services = await createGodwit(config, { env });
  app = createApp({ services, options: { logger: () => {} } });
}, 120_000);

afterAll(async () => {
  await services?.close();
  rmSync(root, { recursive: true, force: true });
});

async function conversationCount(): Promise<number> {
  const listed = await app.request('/api/conversations?limit=100');
  return ((await listed.json()) as { conversations: unknown[] }).conversations.length;
}

describe('a requested model without credentials', () => {
  it.each([
    ['openai:gpt-4.1-mini', 'OPENAI_API_KEY'],
    ['google:gemini-2.0-flash', 'GOOGLE_GENERATIVE_AI_API_KEY'],
  ])('answers %s with 400 naming %s and stores nothing', async (model, variable) => {
    const before = await conversationCount();
    for (const path of ['/api/chat', '/api/ui/chat']) {
      const body =
        path === '/api/chat'
          ? { message: 'hi', model }
          : { model, messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] };
      const response = await postJson(app, path, body);
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain(`set ${variable}`);
    }
    expect(await conversationCount()).toBe(before);
    expect((await postJson(app, '/api/chat', { message: 'still answering?' })).status).toBe(200);
  });
});
