/**
 * Per-call timeout. A generate call must finish within `timeoutMs`; a stream must deliver its first part
 * within `timeoutMs` and then never stall longer than that between parts. The provider call is aborted
 * and the caller gets a retryable ProviderError with reason `timeout` (as an error part once streaming).
 */
import type { LanguageModelV4Middleware, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { ProviderError } from '../../core/errors.ts';
import { Deadline, systemTimers, type Timers } from './deadline.ts';

export interface TimeoutOptions {
  timeoutMs: number;
  timers?: Timers;
}

export function timeoutError(name: string, ms: number): ProviderError {
  return new ProviderError(`${name} did not answer within ${ms} ms.`, {
    isRetryable: true,
    unavailable: true,
    details: { reason: 'timeout', timeoutMs: ms },
  });
}

/** Runs `operation` with a signal that aborts after `ms`; rejects with the timeout error. */
export async function runWithTimeout<T>(
  operation: (signal: AbortSignal) => PromiseLike<T>,
  options: TimeoutOptions & { name: string; signal?: AbortSignal },
): Promise<T> {
  const deadline = new Deadline(
    options.timeoutMs,
    () => timeoutError(options.name, options.timeoutMs),
    options.signal,
    options.timers ?? systemTimers,
  );
  const pending = Promise.resolve(operation(deadline.signal));
  pending.catch(() => {});
  try {
    return await Promise.race([pending, deadline.expired]);
  } catch (error) {
    if (deadline.timedOut) throw timeoutError(options.name, options.timeoutMs);
    throw error;
  } finally {
    deadline.clear();
  }
}

export function createTimeoutMiddleware(options: TimeoutOptions): LanguageModelV4Middleware {
  const timers = options.timers ?? systemTimers;
  return {
    specificationVersion: 'v4',
    wrapGenerate({ params, model }) {
      const name = `${model.provider}:${model.modelId}`;
      return runWithTimeout((signal) => model.doGenerate({ ...params, abortSignal: signal }), {
        ...options,
        name,
        signal: params.abortSignal,
      });
    },
    async wrapStream({ params, model }) {
      const name = `${model.provider}:${model.modelId}`;
      const error = () => timeoutError(name, options.timeoutMs);
      const deadline = new Deadline(options.timeoutMs, error, params.abortSignal, timers);
      const pending = Promise.resolve(model.doStream({ ...params, abortSignal: deadline.signal }));
      pending.catch(() => {});
      try {
        const result = await Promise.race([pending, deadline.expired]);
        return { ...result, stream: guardStream(result.stream, deadline) };
      } catch (failure) {
        deadline.clear();
        throw deadline.timedOut ? error() : failure;
      }
    },
  };
}

/** Restarts the deadline on every part; when it passes, ends the stream with a timeout error part. */
function guardStream(
  source: ReadableStream<LanguageModelV4StreamPart>,
  deadline: Deadline,
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = source.getReader();
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      try {
        const next = await Promise.race([reader.read(), deadline.expired]);
        if (next.done) {
          deadline.clear();
          controller.close();
          return;
        }
        if (next.value.type === 'finish') deadline.clear();
        else deadline.restart();
        controller.enqueue(next.value);
      } catch (error) {
        deadline.clear();
        if (!deadline.timedOut) return controller.error(error);
        reader.cancel().catch(() => {});
        controller.enqueue({ type: 'error', error });
        controller.close();
      }
    },
    cancel(reason) {
      deadline.clear();
      return reader.cancel(reason);
    },
  });
}
