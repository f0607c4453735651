/** `/readyz?probe=model`: the default model is asked for one token; one answer serves every probe for 30 s. */
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.ts';
import { createModelRegistry } from '../../src/providers/index.ts';
import { createApp } from '../../src/server/index.ts';
import { createModelProbe } from '../../src/server/model-probe.ts';
import { createTestServices } from '../support/test-services.ts';

function countingModel(fail = false) {
  const state = { calls: 0 };
  const model = new MockLanguageModelV4({
    doGenerate: async () => {
      state.calls += 1;
      if (fail) throw new ProviderError('The model service refused the credentials (HTTP 403).');
      return {
        content: [{ type: 'text', text: 'ok' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 1, text: 1, reasoning: 0 },
        },
        warnings: [],
      };
    },
  });
  return { model, state };
}

async function servicesWith(model: MockLanguageModelV4) {
  const services = await createTestServices();
  const models = createModelRegistry({ providers: { probe: () => model }, defaultModel: 'probe:m' });
  return { ...services, models, provider: { ...services.provider, model: 'probe:m' } };
}

describe('the model probe', () => {
  it('asks the model once per 30 s however often it is called', async () => {
    const { model, state } = countingModel();
    let now = 1_000_000;
    const probe = createModelProbe(await servicesWith(model), { now: () => now });
    const results = await Promise.all([probe(), probe(), probe()]);
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(results[0]!.detail).toMatch(/^probe:m answered in \d+ ms$/);
    expect(state.calls).toBe(1);
    now += 29_999;
    await probe();
    expect(state.calls).toBe(1);
    now += 1;
    await probe();
    expect(state.calls).toBe(2);
  });

  it('reports a model that fails, with its reason, as not ok but not fatal', async () => {
    const { model } = countingModel(true);
    const result = await createModelProbe(await servicesWith(model))();
    expect(result).toMatchObject({ name: 'model', ok: false, required: false });
    expect(result.detail).toMatch(/probe:m did not answer: .*refused the credentials/);
  });

  it('adds the check to /readyz only when asked, degraded when the model fails; refuses other probes', async () => {
    const { model } = countingModel(true);
    const app = createApp({ services: await servicesWith(model), options: { logger: () => {} } });
    const plain = (await (await app.request('/readyz')).json()) as { checks: Array<{ name: string }> };
    expect(plain.checks.map((check) => check.name)).not.toContain('model');
    const probed = await app.request('/readyz?probe=model');
    expect(probed.status).toBe(200);
    const body = (await probed.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> };
    expect(body.status).toBe('degraded');
    expect(body.checks.find((check) => check.name === 'model')?.ok).toBe(false);
    expect((await app.request('/readyz?probe=everything')).status).toBe(400);
  });
});
