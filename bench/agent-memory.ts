/**
 * Memory per concurrent agent run: N runs at once (1, 10, 50 by default), each a 3-step turn (two calculator
 * calls, then an answer) against the OpenAI wire emulator on loopback, with Godwit's AgentRun and with the
 * AI SDK's bare loop (streamText with the same tool and step limit) on the same provider model, in one
 * process. Each reply waits before its first token so that all N runs are alive together; the peak RSS and
 * heap above a collected baseline, divided by N, is the memory per run.
 *
 *   npx tsx --expose-gc bench/agent-memory.ts [levels, default 1,10,50] [rounds, default 3]
 */
import { createOpenAI } from '@ai-sdk/openai';
import { isStepCount, type LanguageModel, streamText, tool } from 'ai';
import { z } from 'zod';
import { AgentRun } from '../src/core/agent/agent-run.ts';
import { calculatorTool } from '../src/tools/builtin/basic-tools.ts';
import { type Emulator, startEmulator } from '../test/support/emulators/index.ts';

const STEPS = 3;
const levels = (process.argv[2] ?? '1,10,50').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with --expose-gc: npx tsx --expose-gc bench/agent-memory.ts');

const RUN_MODELS = 5 * 2 * 2 + levels.reduce((sum, count) => sum + count, 0) * rounds * 2;
const emulator: Emulator = await startEmulator({
  models: { openai: Array.from({ length: RUN_MODELS }, (_, index) => `gpt-bench-${index}`) },
});
const provider = createOpenAI({ apiKey: 'bench', baseURL: emulator.baseURLs.openai });
let nextModel = 0;

/** A model id of its own per run, so each run consumes its own scripted replies whatever the order. */
function scriptedRun(): LanguageModel {
  const id = `gpt-bench-${nextModel++}`;
  const delay = { firstTokenDelayMs: 150 };
  emulator.script(
    { match: { model: id }, toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }], ...delay },
    { match: { model: id }, toolCalls: [{ name: 'calculator', input: { expression: '2+2' } }], ...delay },
    { match: { model: id }, text: 'It is 42, and 2+2 is 4. Anything else?', ...delay },
  );
  return provider.chat(id);
}

async function godwitRun(model: LanguageModel): Promise<void> {
  const run = new AgentRun(
    {
      assistant: {
        name: 'bench',
        instructions: 'You calculate.',
        model: 'openai:bench',
        knowledgeBases: [],
        maxSteps: STEPS,
        approval: { mode: 'auto', tools: {} },
      },
      model,
      tools: [calculatorTool()],
      messages: [{ role: 'user', content: 'What is 6*7 and 2+2?' }],
      context: { tenantId: 't', userId: 'u', conversationId: 'c' },
    },
    {
      limits: { timeoutMs: 30_000, maxOutputBytes: 65_536, secrets: [] },
      approvalSecret: 'z'.repeat(32),
    },
  );
  for await (const _event of run.events());
}

const bareCalculator = tool({
  description: 'Evaluates an arithmetic expression.',
  inputSchema: z.object({ expression: z.string() }),
  execute: async ({ expression }) => ({ expression, result: 42 }),
});

async function bareRun(model: LanguageModel): Promise<void> {
  const result = streamText({
    model,
    system: 'You calculate.',
    tools: { calculator: bareCalculator },
    stopWhen: isStepCount(STEPS),
    messages: [{ role: 'user', content: 'What is 6*7 and 2+2?' }],
    maxRetries: 0,
    onError: () => {},
  });
  for await (const part of result.fullStream) if (part.type === 'error') throw part.error;
}

function settle(): void {
  for (let pass = 0; pass < 4; pass++) gc!();
}

/** Peak RSS and heap above the baseline while `count` runs are in flight, per run, in kB. */
async function measure(count: number, run: (model: LanguageModel) => Promise<void>) {
  const models = Array.from({ length: count }, scriptedRun);
  settle();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 5);
  const outcomes = await Promise.allSettled(models.map((model) => run(model)));
  clearInterval(sampler);
  const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
  if (failed > 0)
    failures.push(
      `${failed} of ${count} runs failed (${String((outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult).reason).slice(0, 120)})`,
    );
  const end = process.memoryUsage();
  peakRss = Math.max(peakRss, end.rss);
  peakHeap = Math.max(peakHeap, end.heapUsed);
  return { rssKb: (peakRss - base.rss) / count / 1024, heapKb: (peakHeap - base.heapUsed) / count / 1024 };
}

const failures: string[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// Warm both paths (module loading, JIT) before anything is measured.
await measure(5, bareRun);
await measure(5, godwitRun);
const results = [];
for (const count of levels) {
  const bare: Array<{ rssKb: number; heapKb: number }> = [];
  const godwit: Array<{ rssKb: number; heapKb: number }> = [];
  // Alternate the two sides so the machine's noise falls on both.
  for (let round = 0; round < rounds; round++) {
    bare.push(await measure(count, bareRun));
    godwit.push(await measure(count, godwitRun));
  }
  const row = {
    concurrentRuns: count,
    bareHeapKbPerRun: median(bare.map((sample) => sample.heapKb)),
    godwitHeapKbPerRun: median(godwit.map((sample) => sample.heapKb)),
    bareRssKbPerRun: median(bare.map((sample) => sample.rssKb)),
    godwitRssKbPerRun: median(godwit.map((sample) => sample.rssKb)),
  };
  results.push({
    ...row,
    heapRatio: row.godwitHeapKbPerRun / row.bareHeapKbPerRun,
  });
}
await emulator.close();
console.log(JSON.stringify({ steps: STEPS, rounds, results, failures }, null, 2));
