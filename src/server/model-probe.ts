/**
 * `GET /readyz?probe=model`: asks the default model for one token, so an operator can tell that the
 * provider answers (credentials, quota, network), not only that Godwit is up. The probe costs a model call,
 * and /readyz is open, so one answer is reused for `cacheMs` (30 s): a flood of probes makes one call.
 */
import { generateText } from 'ai';
import type { GodwitServices } from '../core/services.ts';
import type { ReadinessCheck } from './readiness.ts';

export interface ModelProbeOptions {
  timeoutMs?: number;
  cacheMs?: number;
  now?: () => number;
}

export function createModelProbe(services: GodwitServices, options: ModelProbeOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? Date.now;
  let last: { at: number; result: Promise<ReadinessCheck> } | undefined;

  const probe = async (): Promise<ReadinessCheck> => {
    const model = services.provider.model;
    if (!services.models)
      return { name: 'model', ok: false, required: false, detail: `${model}: no model resolver` };
    const started = now();
    try {
      await generateText({
        model: services.models.languageModel(model),
        prompt: 'Reply with the word ok.',
        maxOutputTokens: 1,
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      return {
        name: 'model',
        ok: true,
        required: false,
        detail: `${model} answered in ${now() - started} ms`,
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        name: 'model',
        ok: false,
        required: false,
        detail: `${model} did not answer: ${reason.slice(0, 300)}`,
      };
    }
  };

  return (): Promise<ReadinessCheck> => {
    if (!last || now() - last.at >= cacheMs) last = { at: now(), result: probe() };
    return last.result;
  };
}
