/**
 * What the response cache stores: a finished generate result, or the parts of a finished stream, as JSON.
 * Only complete answers qualify; binary content (generated files) is not cached.
 */
import type {
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';

const ENTRY_VERSION = 1;

/** Finish reasons of an answer that is whole and would come out the same again. */
const COMPLETE_FINISH = new Set<LanguageModelV4FinishReason['unified']>(['stop', 'length', 'tool-calls']);

export interface GenerateEntry {
  version: typeof ENTRY_VERSION;
  kind: 'generate';
  cachedAt: string;
  result: Pick<
    LanguageModelV4GenerateResult,
    'content' | 'finishReason' | 'usage' | 'providerMetadata' | 'warnings' | 'structuredOutputText'
  > & { response?: { id?: string; modelId?: string; timestamp?: string } };
}

export interface StreamEntry {
  version: typeof ENTRY_VERSION;
  kind: 'stream';
  cachedAt: string;
  parts: LanguageModelV4StreamPart[];
}

export type ResponseEntry = GenerateEntry | StreamEntry;

export function isCompleteFinish(finishReason: LanguageModelV4FinishReason): boolean {
  return COMPLETE_FINISH.has(finishReason.unified);
}

/** Whether a content item or stream part carries binary data, which JSON cannot hold. */
export function hasBinaryData(item: { type: string }): boolean {
  return 'data' in item && typeof (item as { data: unknown }).data !== 'string';
}

/** The JSON to store, or undefined when the result must not be cached. */
export function generateEntry(result: LanguageModelV4GenerateResult, cachedAt: Date): string | undefined {
  if (!isCompleteFinish(result.finishReason) || result.content.some(hasBinaryData)) return undefined;
  const entry: GenerateEntry = {
    version: ENTRY_VERSION,
    kind: 'generate',
    cachedAt: cachedAt.toISOString(),
    result: {
      content: result.content,
      finishReason: result.finishReason,
      usage: result.usage,
      providerMetadata: result.providerMetadata,
      warnings: result.warnings,
      structuredOutputText: result.structuredOutputText,
      response: result.response && {
        id: result.response.id,
        modelId: result.response.modelId,
        timestamp: result.response.timestamp?.toISOString(),
      },
    },
  };
  return JSON.stringify(entry);
}

export function streamEntry(parts: LanguageModelV4StreamPart[], cachedAt: Date): string {
  const entry: StreamEntry = {
    version: ENTRY_VERSION,
    kind: 'stream',
    cachedAt: cachedAt.toISOString(),
    parts,
  };
  return JSON.stringify(entry);
}

/** Parses a stored entry of the expected kind; throws when it is not one (the caller counts a miss). */
export function readEntry<Kind extends ResponseEntry['kind']>(
  stored: string,
  kind: Kind,
): Extract<ResponseEntry, { kind: Kind }> {
  const entry = JSON.parse(stored) as ResponseEntry;
  if (entry?.version !== ENTRY_VERSION || entry.kind !== kind) {
    throw new Error(`cached response is not a version ${ENTRY_VERSION} ${kind} entry`);
  }
  return entry as Extract<ResponseEntry, { kind: Kind }>;
}

/** A cached generate entry as the result of a new call. */
export function replayGenerate(
  entry: GenerateEntry,
  usage: LanguageModelV4Usage,
  providerMetadata: SharedV4ProviderMetadata,
): LanguageModelV4GenerateResult {
  const { response, ...rest } = entry.result;
  return {
    ...rest,
    usage,
    providerMetadata,
    ...(response
      ? {
          response: {
            id: response.id,
            modelId: response.modelId,
            timestamp: response.timestamp === undefined ? undefined : new Date(response.timestamp),
          },
        }
      : {}),
  };
}

/** Stored parts with their dates restored (JSON keeps them as strings). */
export function revivePart(part: LanguageModelV4StreamPart): LanguageModelV4StreamPart {
  if (part.type === 'response-metadata' && typeof part.timestamp === 'string') {
    return { ...part, timestamp: new Date(part.timestamp) };
  }
  return part;
}

/** Usage of a call that consumed no tokens at the provider. */
export const NO_USAGE: LanguageModelV4Usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

/** `providerMetadata.godwit.cache` on a replayed answer; the original usage stays visible there. */
export function hitMetadata(
  metadata: SharedV4ProviderMetadata | undefined,
  cachedAt: string,
  originalUsage: LanguageModelV4Usage,
): SharedV4ProviderMetadata {
  const godwit = (metadata?.godwit ?? {}) as Record<string, unknown>;
  return {
    ...metadata,
    godwit: {
      ...godwit,
      cache: {
        hit: true,
        cachedAt,
        originalInputTokens: originalUsage.inputTokens.total ?? null,
        originalOutputTokens: originalUsage.outputTokens.total ?? null,
      },
    },
  } as SharedV4ProviderMetadata;
}
