/**
 * `godwit eval tools`: a tool-calling check of one or more models, to compare their tool use before choosing
 * one for an assistant. Each item's functions are offered through the AI SDK (nothing is executed) and the
 * calls the model makes are scored by structural matching; accuracy per category and model, paired.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateText, jsonSchema, type ToolSet, tool } from 'ai';
import { createModels } from '../../config/create-models.ts';
import { ValidationError } from '../../core/errors.ts';
import {
  BUILTIN_TOOL_CALLING_SET,
  evaluateToolCalling,
  loadToolCallingSet,
  type ModelToolCall,
  renderToolCallingMarkdown,
  type ToolCallingItem,
  type ToolCallingReport,
} from '../../eval/index.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { createProgress } from '../progress.ts';

export interface EvalToolsOptions extends GlobalOptions {
  /** Repeated --model flags, in order; the first is the baseline. */
  model?: string[];
  set?: string;
  json?: boolean;
  report?: string;
  failBelow?: string;
  seed: string;
  /** Provider credentials (the entry point passes process.env). */
  env: Record<string, string | undefined>;
}

export async function evalToolsCommand(options: EvalToolsOptions, output: Output): Promise<number> {
  const names = checkModels(options.model ?? []);
  const minimum = options.failBelow === undefined ? undefined : parseMinimum(options.failBelow);
  const seed = Number(options.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new ValidationError(`--seed must be a whole number from 0 to 4294967295; got "${options.seed}".`);
  }
  const items = await loadToolCallingSet(options.set ?? BUILTIN_TOOL_CALLING_SET);
  const layer = await createModels(readConfig(options), options.env);
  const models = names.map((name) => {
    const model = layer.models.languageModel(name);
    return { name, call: (item: ToolCallingItem) => callTools(model, item) };
  });
  const quiet = options.json === true && !output.interactive;
  output.info(`Asking ${items.length} tool-calling items of ${names.join(', ')}…`);
  const progress = createProgress(output, items.length * names.length, quiet);
  const report = await evaluateToolCalling({
    set: options.set ?? 'built-in (src/eval/data/tool-calling.jsonl)',
    items,
    models,
    seed,
    ...(minimum === undefined ? {} : { minimumAccuracy: minimum }),
    onProgress: ({ model, item }) => progress.tick(`${model}: ${item.id}`),
  });
  progress.stop();
  if (options.report) writeReports(options.report, report, output);
  if (options.json) output.json(report);
  else output.line(renderToolCallingMarkdown(report).trimEnd());
  for (const model of report.models) {
    if (minimum !== undefined && model.accuracy < minimum) {
      output.error(
        `${model.name}: tool-calling accuracy is ${model.accuracy.toFixed(3)}, below the minimum ${minimum}.`,
      );
    }
  }
  return report.passed ? 0 : 1;
}

/** Offers the item's functions (no `execute`: nothing runs) and returns the calls of the first step. */
async function callTools(
  model: Parameters<typeof generateText>[0]['model'],
  item: ToolCallingItem,
): Promise<ModelToolCall[]> {
  const tools: ToolSet = {};
  for (const definition of item.functions) {
    tools[definition.name] = tool({
      description: definition.description,
      inputSchema: jsonSchema(definition.parameters as Parameters<typeof jsonSchema>[0]),
    });
  }
  const result = await generateText({ model, prompt: item.question, tools, toolChoice: 'auto' });
  return result.toolCalls.map((call) => ({
    name: call.toolName,
    arguments: isRecord(call.input) ? call.input : {},
  }));
}

function checkModels(names: readonly string[]): string[] {
  if (names.length === 0) {
    throw new ValidationError(
      'Name at least one model: godwit eval tools --model openai:gpt-4o-mini [--model …].',
    );
  }
  if (new Set(names).size !== names.length)
    throw new ValidationError(`--model names a model twice: ${names.join(', ')}.`);
  const local = names.find((name) => name.startsWith('local:'));
  if (local) {
    throw new ValidationError(
      `${local} cannot call tools; name a model of a provider (openai:…, bedrock:…, google:…, ollama:…).`,
    );
  }
  return [...names];
}

function parseMinimum(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ValidationError(`--fail-below must be an accuracy from 0 to 1, like 0.8; got "${text}".`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function writeReports(directory: string, report: ToolCallingReport, output: Output): void {
  const target = resolve(directory);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'tools-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(target, 'tools-report.md'), renderToolCallingMarkdown(report));
  output.info(`Wrote tools-report.json and tools-report.md to ${target}`);
}
