import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it, vi } from 'vitest';
import { GodwitError } from '../../core/errors.ts';
import type { Timers } from './deadline.ts';
import { createTimeoutMiddleware } from './timeout-middleware.ts';

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (callback) => {
      pending.set(++next, callback);
      return next;
    },
    clearTimeout: (handle) => {
      pending.delete(handle as number);
    },
  };
  const fireAll = () => {
    const callbacks = [...pending.values()];
    pending.clear();
    for (const callback of callbacks) callback();
  };
  return { timers, fireAll, armed: () => pending.size };
}

describe('createTimeoutMiddleware', () => {
  it('fails a generate call that does not finish in time and aborts the provider call', async () => {
    const { timers, fireAll, armed } = manualTimers();
    let providerSignal: AbortSignal | undefined;
    const inner = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'slow',
      doGenerate: (options) => {
        providerSignal = options.abortSignal;
        return new Promise(() => {});
      },
    });
    const model = wrapLanguageModel({
      model: inner,
      middleware: createTimeoutMiddleware({ timeoutMs: 5000, timers }),
    });
    const call = Promise.resolve(model.doGenerate({ prompt: [] }));
    await vi.waitFor(() => expect(armed()).toBe(1));
    fireAll();
    const error = await call.catch((thrown: unknown) => thrown);
    expect(GodwitError.isInstance(error) && error.details).toEqual({ reason: 'timeout', timeoutMs: 5000 });
    expect(GodwitError.isInstance(error) && error.message).toBe('mock:slow did not answer within 5000 ms.');
    expect(providerSignal?.aborted).toBe(true);
  });

  it('ends a stream that stalls between parts with a timeout error part', async () => {
    const { timers, fireAll, armed } = manualTimers();
    const inner = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'stalls',
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'text-start', id: 't' });
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'half' });
          },
        }),
      }),
    });
    const model = wrapLanguageModel({
      model: inner,
      middleware: createTimeoutMiddleware({ timeoutMs: 100, timers }),
    });
    const reader = (await model.doStream({ prompt: [] })).stream.getReader();
    expect((await reader.read()).value?.type).toBe('text-start');
    expect((await reader.read()).value).toMatchObject({ delta: 'half' });
    const stalled = reader.read();
    expect(armed()).toBe(1);
    fireAll();
    const part = (await stalled).value;
    expect(part?.type).toBe('error');
    expect(GodwitError.isInstance(part?.type === 'error' && part.error)).toBe(true);
    expect((await reader.read()).done).toBe(true);
  });

  it('passes the caller abort through to the provider, even one that ignores it', async () => {
    const { timers, armed } = manualTimers();
    let providerSignal: AbortSignal | undefined;
    const inner = new MockLanguageModelV4({
      doGenerate: (options) => {
        providerSignal = options.abortSignal;
        return new Promise(() => {});
      },
    });
    const model = wrapLanguageModel({
      model: inner,
      middleware: createTimeoutMiddleware({ timeoutMs: 100, timers }),
    });
    const controller = new AbortController();
    const call = model.doGenerate({ prompt: [], abortSignal: controller.signal });
    await vi.waitFor(() => expect(armed()).toBe(1));
    controller.abort(new Error('client went away'));
    await expect(call).rejects.toThrow('client went away');
    expect(providerSignal?.aborted).toBe(true);
  });
});
