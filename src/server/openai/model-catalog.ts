/**
 * Which `model` names the OpenAI-compatible API answers to: provider models the server is configured
 * for (passthrough chat), `kb:<name>` assistants (grounded answers from a knowledge base), and embedding
 * models. Anything else is a 404 `model_not_found` that says what is available.
 */
import type { LanguageModel } from 'ai';
import { GodwitError } from '../../core/errors.ts';
import type { Embedder } from '../../core/models.ts';
import type { GodwitServices } from '../../core/services.ts';
import { modelNotFound } from './openai-errors.ts';

export const KNOWLEDGE_BASE_PREFIX = 'kb:';
export const ASSISTANT_PREFIX = 'assistant:';

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export type ChatTarget =
  | { kind: 'knowledge-base'; name: string; knowledgeBase: string }
  | { kind: 'assistant'; name: string; assistant: string }
  | { kind: 'provider'; name: string; model: LanguageModel };

function providerOf(name: string): string {
  return name.slice(0, Math.max(0, name.indexOf(':'))) || name;
}

/** The provider models listed: the default, the fallbacks and the offline model, without repeats. */
function listedProviderModels(services: GodwitServices): string[] {
  const { model, fallbackModels } = services.provider;
  return [...new Set([model, ...fallbackModels, 'local:extractive'])];
}

/** True when the server is configured for this model: listed, or of a provider offered as `provider:*`. */
export function isOffered(services: GodwitServices, name: string): boolean {
  const { availableModels } = services.provider;
  if (listedProviderModels(services).includes(name) || availableModels.includes(name)) return true;
  return availableModels.includes(`${providerOf(name)}:*`);
}

/**
 * @param created Unix seconds given to models that have no date of their own (the server's start).
 */
export async function listModels(
  services: GodwitServices,
  tenantId: string,
  created: number,
): Promise<ModelEntry[]> {
  const entry = (id: string, ownedBy: string, at = created): ModelEntry => ({
    id,
    object: 'model',
    created: at,
    owned_by: ownedBy,
  });
  const models = listedProviderModels(services).map((name) => entry(name, providerOf(name)));
  for (const name of services.embedders.keys()) models.push(entry(name, providerOf(name)));
  const knowledgeBases = await services.knowledgeStore.listKnowledgeBases(tenantId);
  for (const knowledgeBase of knowledgeBases) {
    const at = Math.floor(knowledgeBase.createdAt.getTime() / 1000);
    models.push(entry(`${KNOWLEDGE_BASE_PREFIX}${knowledgeBase.name}`, 'godwit', at));
  }
  for (const name of services.assistants?.names() ?? [])
    models.push(entry(`${ASSISTANT_PREFIX}${name}`, 'godwit'));
  return models;
}

function availableSummary(services: GodwitServices): string {
  const offered = [...new Set([...listedProviderModels(services), ...services.provider.availableModels])];
  return `Available: ${offered.join(', ')}, kb:<knowledge base> and assistant:<name> (GET /v1/models lists them).`;
}

/** Resolves the `model` of a chat completion request; throws a 404 `model_not_found` when unknown. */
export async function resolveChatTarget(
  services: GodwitServices,
  tenantId: string,
  name: string,
): Promise<ChatTarget> {
  if (name.startsWith(KNOWLEDGE_BASE_PREFIX)) {
    const knowledgeBase = name.slice(KNOWLEDGE_BASE_PREFIX.length);
    const found = knowledgeBase
      ? await services.knowledgeStore.getKnowledgeBase(tenantId, knowledgeBase)
      : undefined;
    if (!found) {
      throw modelNotFound(
        `The model "${name}" does not exist: there is no knowledge base "${knowledgeBase}". GET /v1/models lists the kb: assistants.`,
      );
    }
    return { kind: 'knowledge-base', name, knowledgeBase: found.name };
  }
  if (name.startsWith(ASSISTANT_PREFIX)) {
    const assistant = name.slice(ASSISTANT_PREFIX.length);
    if (!services.assistants?.names().includes(assistant)) {
      const names = services.assistants?.names() ?? [];
      throw modelNotFound(
        `The model "${name}" does not exist: there is no assistant "${assistant}". ${names.length > 0 ? `Assistants: ${names.map((known) => ASSISTANT_PREFIX + known).join(', ')}.` : 'No assistants are configured (assistants in godwit.config.yaml).'}`,
      );
    }
    return { kind: 'assistant', name, assistant };
  }
  if (!isOffered(services, name)) {
    throw modelNotFound(
      `The model "${name}" does not exist or is not configured on this server. ${availableSummary(services)}`,
    );
  }
  try {
    return { kind: 'provider', name, model: services.models.languageModel(name) };
  } catch (error) {
    // Unknown ids of the local provider and missing credentials both mean "not usable here".
    if (GodwitError.isInstance(error)) throw modelNotFound(`${error.message} ${availableSummary(services)}`);
    throw error;
  }
}

/** The configured embedder named `name`; throws a 404 `model_not_found` listing the embedding models. */
export function resolveEmbedder(services: GodwitServices, name: string): Embedder {
  const embedder = services.embedders.get(name);
  if (embedder) return embedder;
  const names = [...services.embedders.keys()];
  const available =
    names.length > 0
      ? `Embedding models: ${names.join(', ')}.`
      : 'No embedding model is configured; set models.embedding (GODWIT_EMBEDDING_MODEL).';
  throw modelNotFound(
    `The embedding model "${name}" does not exist or is not configured on this server. ${available}`,
  );
}
