/**
 * `local:extractive` — the offline default model. It answers by quoting the sentences of the retrieved
 * sources that best match the question, cites each one, and says plainly that the answer is extractive.
 * With nothing relevant it says so instead of quoting noise; when only some of the question's words match, it
 * quotes the best sentences for those and names the words it found nowhere. It reads its sources from the grounded
 * prompt exactly as a hosted model would, so the chat pipeline has no special case for it.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { parseSearchedKnowledgeBase, parseSources } from '../../core/chat/prompt.ts';
import { estimateTokens } from '../../core/text/tokens.ts';
import { selectSentences } from './select-sentences.ts';

export const EXTRACTIVE_PREFACE =
  'Extractive answer (quoted from your documents by the offline model, not written by a language model):';
export const NOTHING_FOUND =
  'I could not find anything about that in the knowledge base. Try other words, or add documents that cover it.';
/** What the model says when a search of `knowledgeBase` found nothing that answers the question. */
export function nothingMatched(knowledgeBase: string): string {
  return `Nothing in the knowledge base "${knowledgeBase}" matched that. Try other words, or add documents that cover it.`;
}
/** Below this share of the question's weight covered, the answer names the words it did not find. */
const PARTIAL_COVERAGE = 0.4;
/** The note under a partial answer: the question's words that no source contains. */
export function notInSources(words: readonly string[]): string {
  const listed = words.slice(0, 5).map((word) => `"${word}"`);
  if (words.length > 5) listed.push(`and ${words.length - 5} more`);
  return `(Not found in these sources: ${listed.join(', ')}.)`;
}
export const NO_SOURCES =
  'The offline model (local:extractive) can only quote documents, and this conversation has no knowledge base. ' +
  'Pick a knowledge base, or configure a generative model (for example OPENAI_API_KEY or AWS credentials for Bedrock).';

export interface ExtractiveOptions {
  /** Most sentences quoted in one answer. Default 3. */
  maxSentences?: number;
}

export class ExtractiveLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'local';
  readonly modelId = 'extractive';
  readonly supportedUrls = {};

  constructor(private readonly options: ExtractiveOptions = {}) {}

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const answer = this.answer(options.prompt);
    return {
      content: [{ type: 'text', text: answer }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usageOf(options.prompt, answer),
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions) {
    const answer = this.answer(options.prompt);
    const pieces = answer.split(/(?<=\n)/);
    const parts: LanguageModelV4StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 'answer' },
      ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'answer', delta })),
      { type: 'text-end', id: 'answer' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usageOf(options.prompt, answer),
      },
    ];
    const signal = options.abortSignal;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      pull(controller) {
        if (signal?.aborted) {
          controller.error(signal.reason ?? new Error('aborted'));
          return;
        }
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    return { stream };
  }

  private answer(prompt: LanguageModelV4Prompt): string {
    const system = prompt
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n');
    const searched = parseSearchedKnowledgeBase(system);
    if (searched === null) return NO_SOURCES;
    const nothing = searched.knowledgeBase === null ? NOTHING_FOUND : nothingMatched(searched.knowledgeBase);
    const sources = parseSources(system);
    const question = lastUserText(prompt);
    const picked = selectSentences(question, sources, { maxSentences: this.options.maxSentences ?? 3 });
    if (picked.sentences.length === 0) return nothing;
    const lines = picked.sentences.map((sentence) => `- "${sentence.text}" [${sentence.sourceIndex}]`);
    // A weak match says which words it found nowhere, so a quote that answers only part is read as such.
    const partial = picked.coverage < PARTIAL_COVERAGE && picked.unmatched.length > 0;
    const missing = partial ? `\n\n${notInSources(picked.unmatched)}` : '';
    return `${EXTRACTIVE_PREFACE}\n\n${lines.join('\n')}${missing}`;
  }
}

function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index]!;
    if (message.role !== 'user') continue;
    return message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join(' ')
      .trim();
  }
  return '';
}

function usageOf(prompt: LanguageModelV4Prompt, answer: string): LanguageModelV4Usage {
  const input = estimateTokens(JSON.stringify(prompt));
  const output = estimateTokens(answer);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}
