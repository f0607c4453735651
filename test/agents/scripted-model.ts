/**
 * The AI SDK mock model (ai/test) scripted step by step: each step answers with text or tool calls, as a
 * tool-calling provider would. `calls` keeps the prompt of every model call for assertions.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

export type ScriptedStep =
  | { text: string }
  | { toolCalls: Array<{ name: string; input: unknown; id?: string }>; text?: string };

const usage = {
  inputTokens: { total: 20, noCache: 20, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

let nextCallId = 0;

function stepParts(step: ScriptedStep): LanguageModelV4StreamPart[] {
  const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
  if (step.text) {
    parts.push(
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: step.text },
      { type: 'text-end', id: 't' },
    );
  }
  const toolCalls = 'toolCalls' in step ? step.toolCalls : [];
  for (const call of toolCalls) {
    parts.push({
      type: 'tool-call',
      toolCallId: call.id ?? `call_${++nextCallId}`,
      toolName: call.name,
      input: typeof call.input === 'string' ? call.input : JSON.stringify(call.input),
    });
  }
  const finish = toolCalls.length > 0 ? 'tool-calls' : 'stop';
  parts.push({ type: 'finish', finishReason: { unified: finish, raw: finish }, usage });
  return parts;
}

export function scriptedModel(
  steps: ScriptedStep[],
): MockLanguageModelV4 & { calls: LanguageModelV4CallOptions[] } {
  let index = 0;
  const calls: LanguageModelV4CallOptions[] = [];
  const model = new MockLanguageModelV4({
    doStream: async (options) => {
      calls.push(options);
      const step = steps[Math.min(index, steps.length - 1)]!;
      index += 1;
      return {
        stream: simulateReadableStream({
          chunks: stepParts(step),
          initialDelayInMs: null,
          chunkDelayInMs: null,
        }),
      };
    },
  });
  return Object.assign(model, { calls });
}
