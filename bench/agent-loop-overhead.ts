/**
 * The agent loop's own cost per step, with the AI SDK mock model (no network, no real model): Godwit's
 * AgentRun (ToolLoopAgent + approval policy + guarded execution + message parts) against the AI SDK's
 * bare loop (streamText with the same tool and stop condition) in the same process and run.
 *
 *   npx tsx bench/agent-loop-overhead.ts [runs]
 */
import { isStepCount, streamText, tool } from 'ai';
import { z } from 'zod';
import { AgentRun } from '../src/core/agent/agent-run.ts';
import { calculatorTool } from '../src/tools/builtin/basic-tools.ts';
import { scriptedModel } from '../test/agents/scripted-model.ts';

const STEPS = 10;
const runs = Number(process.argv[2] ?? 200);

function script() {
  return [
    ...Array.from({ length: STEPS - 1 }, () => ({
      toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }],
    })),
    { text: 'Done.' },
  ];
}

async function godwitRun(): Promise<number> {
  const run = new AgentRun(
    {
      assistant: {
        name: 'bench',
        instructions: 'x',
        model: 'mock:x',
        knowledgeBases: [],
        maxSteps: STEPS,
        approval: { mode: 'auto', tools: {} },
      },
      model: scriptedModel(script()),
      tools: [calculatorTool()],
      messages: [{ role: 'user', content: 'go' }],
      context: { tenantId: 't', userId: 'u', conversationId: 'c' },
    },
    {
      limits: { timeoutMs: 30_000, maxOutputBytes: 65_536, secrets: ['s3cret'] },
      approvalSecret: 'z'.repeat(32),
    },
  );
  const startedAt = performance.now();
  for await (const _event of run.events());
  return performance.now() - startedAt;
}

const bareCalculator = tool({
  description: 'calc',
  inputSchema: z.object({ expression: z.string() }),
  execute: async ({ expression }) => ({ expression, result: 42 }),
});

async function bareRun(): Promise<number> {
  const result = streamText({
    model: scriptedModel(script()),
    tools: { calculator: bareCalculator },
    stopWhen: isStepCount(STEPS),
    messages: [{ role: 'user', content: 'go' }],
  });
  const startedAt = performance.now();
  for await (const _part of result.fullStream);
  return performance.now() - startedAt;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function measure(name: string, once: () => Promise<number>) {
  for (let warm = 0; warm < 20; warm++) await once();
  const totals: number[] = [];
  for (let index = 0; index < runs; index++) totals.push(await once());
  const p50 = percentile(totals, 0.5);
  return {
    name,
    runs,
    steps: STEPS,
    totalP50Ms: p50,
    perStepP50Ms: p50 / STEPS,
    totalP95Ms: percentile(totals, 0.95),
  };
}

// Alternate to share the machine's noise between both sides.
const bare = await measure('ai-sdk streamText loop', bareRun);
const godwit = await measure('godwit AgentRun', godwitRun);
const heap = process.memoryUsage().heapUsed;
console.log(
  JSON.stringify(
    { bare, godwit, ratio: godwit.totalP50Ms / bare.totalP50Ms, heapUsedMb: heap / 1e6 },
    null,
    2,
  ),
);
