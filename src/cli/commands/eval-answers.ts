/**
 * `godwit eval answers`: a golden set through the same chat turn as `godwit ask` (locally, or through a
 * running server), one or more variants, model-free metrics, paired comparisons, thresholds and reports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import {
  type AnswerVariant,
  buildAnswerReport,
  checkThresholds,
  compareVariants,
  evaluateAnswers,
  isFatalAskError,
  loadGoldenSet,
  parseThresholds,
  renderHtmlReport,
  renderMarkdownReport,
  type Threshold,
} from '../../eval/index.ts';
import { openBackend } from '../backend.ts';
import type { CliBackend } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { createProgress } from '../progress.ts';
import { RemoteBackend } from '../remote-backend.ts';

export interface EvalAnswersOptions extends GlobalOptions {
  set: string;
  kb?: string;
  model?: string;
  /** Answer as this configured assistant (its model, instructions and tools). */
  assistant?: string;
  compare?: string;
  json?: boolean;
  report?: string;
  failBelow?: string;
  seed?: string;
  sample: boolean;
  warmUp: boolean;
  judge?: string;
}

/**
 * A variant as named on the command line: a model or an assistant of this Godwit, or a Godwit server by URL
 * (asking its default model, or one of its assistants).
 */
type VariantSpec =
  | { kind: 'model'; model: string | undefined }
  | { kind: 'assistant'; assistant: string }
  | { kind: 'server'; url: string; assistant: string | undefined };

/** `assistant:NAME` asks a local assistant; `assistant:NAME@https://…` one of a server's. */
const ASSISTANT_VARIANT = /^assistant:([^@\s]+)(?:@(https?:\/\/\S+))?$/i;

export async function evalAnswersCommand(options: EvalAnswersOptions, output: Output): Promise<number> {
  const seed = parseSeed(options.seed);
  const specs = parseVariants(options);
  const items = await loadGoldenSet(options.set);
  const thresholds: Threshold[] = options.failBelow
    ? parseThresholds(options.failBelow, items, options.judge !== undefined)
    : [];
  const backends = new Map<string, CliBackend>();
  try {
    const variants: AnswerVariant[] = [];
    for (const spec of specs) {
      variants.push(await openVariant(spec, options, items[0]?.question, output, backends));
    }
    const quiet = options.json === true && !output.interactive;
    output.info(
      `Asking ${items.length} questions of ${variants.map((variant) => variant.name ?? 'the default model').join(', ')}…`,
    );
    const progress = createProgress(output, items.length * variants.length, quiet);
    const judgeBackend = backends.values().next().value;
    const judgeModel = options.judge;
    const results = await evaluateAnswers({
      items,
      variants,
      // The judge answers through the same chat path with no knowledge base: a plain, ungrounded turn.
      ...(judgeModel && judgeBackend
        ? {
            judge: async (prompt: string) =>
              (await judgeBackend.ask({ knowledgeBase: null, question: prompt, model: judgeModel })).answer,
          }
        : {}),
      onProgress: ({ variant, item }) => progress.tick(`${variant}: ${item.id}`),
    });
    progress.stop();
    const report = buildAnswerReport({
      set: options.set,
      seed,
      results,
      comparisons: compareVariants(results, { seed }),
      thresholds: checkThresholds(thresholds, results),
    });
    if (options.report) writeReports(options.report, report, output);
    if (options.json) output.json(report);
    else output.line(renderMarkdownReport(report).trimEnd());
    for (const outcome of report.thresholds.filter((entry) => !entry.passed)) {
      const value = outcome.value === null ? 'not measured' : outcome.value.toFixed(3);
      output.error(
        `${outcome.variant}: ${outcome.metric} is ${value}, below the minimum ${outcome.minimum}.`,
      );
    }
    return report.passed ? 0 : 1;
  } finally {
    for (const backend of backends.values()) await backend.close();
  }
}

function parseVariants(options: EvalAnswersOptions): VariantSpec[] {
  const assistant = options.assistant?.trim();
  if (options.assistant !== undefined && !assistant) {
    throw new ValidationError('--assistant needs the name of a configured assistant.');
  }
  if (assistant && options.model) {
    throw new ValidationError(
      `--model and --assistant cannot be combined: assistant "${assistant}" answers with its own model; change assistants.${assistant}.model, or compare assistants with --compare assistant:A,assistant:B.`,
    );
  }
  if (options.compare === undefined) {
    return [assistant ? { kind: 'assistant', assistant } : { kind: 'model', model: options.model }];
  }
  if (options.model) {
    throw new ValidationError(
      '--model and --compare cannot be combined: list every variant in --compare (the first is the baseline).',
    );
  }
  const names = options.compare.split(',').map((name) => name.trim());
  if (names.length < 2 || names.some((name) => name === '')) {
    throw new ValidationError(
      `--compare needs two or more comma-separated variants (models, assistant:NAME or server URLs); got "${options.compare}".`,
    );
  }
  if (new Set(names).size !== names.length) {
    throw new ValidationError(`--compare lists a variant twice: "${options.compare}".`);
  }
  return names.map((name) => parseVariant(name, assistant));
}

/** One --compare entry; `assistant` (from --assistant) is what server URLs without their own ask. */
function parseVariant(name: string, assistant: string | undefined): VariantSpec {
  const named = ASSISTANT_VARIANT.exec(name);
  if (named) {
    const [, assistantName = '', url] = named;
    return url
      ? { kind: 'server', url, assistant: assistantName }
      : { kind: 'assistant', assistant: assistantName };
  }
  if (/^assistant:/i.test(name)) {
    throw new ValidationError(
      `--compare: "${name}" is not assistant:NAME or assistant:NAME@https://server; name a configured assistant.`,
    );
  }
  if (/^https?:\/\//i.test(name)) return { kind: 'server', url: name, assistant };
  if (assistant) {
    throw new ValidationError(
      `--compare: "${name}" is a model, but --assistant ${assistant} answers with the assistant's own model; write assistant:${assistant} in --compare instead of --assistant.`,
    );
  }
  return { kind: 'model', model: name };
}

/** How reports name a variant. */
function variantName(spec: VariantSpec): string | undefined {
  switch (spec.kind) {
    case 'model':
      return spec.model;
    case 'assistant':
      return `assistant:${spec.assistant}`;
    case 'server':
      return spec.assistant ? `assistant:${spec.assistant}@${spec.url}` : spec.url;
  }
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new ValidationError(`--seed must be a whole number from 0 to 4294967295; got "${text}".`);
  }
  return seed;
}

/** Opens (once) the backend a variant asks through, and checks its knowledge base before anything runs. */
async function openVariant(
  spec: VariantSpec,
  options: EvalAnswersOptions,
  warmUpQuestion: string | undefined,
  output: Output,
  backends: Map<string, CliBackend>,
): Promise<AnswerVariant> {
  const key = spec.kind === 'server' ? spec.url : 'local';
  let backend = backends.get(key);
  if (!backend) {
    backend =
      spec.kind === 'server'
        ? new RemoteBackend(spec.url)
        : await openBackend({ config: readConfig(options), command: 'eval', output, sample: options.sample });
    backends.set(key, backend);
  }
  const assistant = spec.kind === 'model' ? undefined : spec.assistant;
  // An assistant reads its own knowledge bases (through its tools, or its Bedrock Agent).
  const knowledgeBase = assistant ? null : await backend.resolveKnowledgeBase(options.kb);
  const model = spec.kind === 'model' ? spec.model : undefined;
  const asking = backend;
  const request = (question: string) => ({
    knowledgeBase,
    question,
    ...(model ? { model } : {}),
    ...(assistant ? { assistant } : {}),
  });
  const name = variantName(spec);
  return {
    ...(name ? { name } : {}),
    // One untimed, unscored turn pays the one-time costs (provider client, connections, first writes)
    // that would otherwise land on the first variant's first question.
    warmUp: async () => {
      if (!options.warmUp || !warmUpQuestion) return;
      await asking.ask(request(warmUpQuestion)).catch((error: unknown) => {
        if (isFatalAskError(error)) throw error;
      });
    },
    ask: async (question) => {
      const answer = await asking.ask(request(question));
      return {
        answer: answer.answer,
        citations: answer.citations.map(({ index, source, text }) => ({ index, source, text })),
        model: answer.model,
        usage: answer.usage,
        toolCalls: answer.toolCalls.map((call) => ({ name: call.toolName, state: call.state })),
      };
    },
  };
}

function writeReports(directory: string, report: ReturnType<typeof buildAnswerReport>, output: Output): void {
  const target = resolve(directory);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(target, 'report.md'), renderMarkdownReport(report));
  writeFileSync(join(target, 'report.html'), renderHtmlReport(report));
  output.info(`Wrote report.json, report.md and report.html to ${target}`);
}
