/**
 * Guardrails from config (part of the composition root): the global `guardrail` on every chat turn and
 * /v1 answer, and `assistants.<name>.guardrail` on that assistant. Each wraps the models it covers with
 * the guardrail middleware; the AWS SDK client loads only when a guardrail is configured.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { type LanguageModel, wrapLanguageModel } from 'ai';
import type { AssistantCatalog } from '../core/agent/assistant-catalog.ts';
import type { ChatCompletionsForwarder, ModelResolver } from '../core/models.ts';
import type { GodwitConfig } from './schema.ts';

type GuardrailSettings = NonNullable<GodwitConfig['guardrail']>;
type Guard = (model: LanguageModel) => LanguageModel;

export interface Guardrails {
  /** Models under the global guardrail (the same resolver when there is none). */
  models(models: ModelResolver): ModelResolver;
  /** Forwarding bypasses the model layer, so under a global guardrail nothing is forwarded. */
  forwarder<Forwarder extends ChatCompletionsForwarder | undefined>(forwarder: Forwarder): Forwarder;
  /** Each assistant's model under its own guardrail, else the global one; managed agents keep theirs. */
  assistants(catalog: AssistantCatalog): AssistantCatalog;
}

export async function openGuardrails(
  config: GodwitConfig,
  env: Record<string, string | undefined>,
): Promise<Guardrails> {
  const configured = [
    ...(config.guardrail ? [['guardrail', config.guardrail] as const] : []),
    ...Object.entries(config.assistants).flatMap(([name, assistant]) =>
      assistant.guardrail ? [[`assistants.${name}.guardrail`, assistant.guardrail] as const] : [],
    ),
  ];
  const guards = new Map<string, Guard>();
  if (configured.length > 0) {
    const { createBedrockGuardrail } = await import('../providers/bedrock/bedrock-guardrail.ts');
    const { createGuardrailMiddleware } = await import('../providers/guardrails/guardrail-middleware.ts');
    for (const [key, settings] of configured) {
      const middleware = createGuardrailMiddleware(
        createBedrockGuardrail({ ...guardrailOptions(settings), key, env }),
      );
      guards.set(key, (model) => wrapLanguageModel({ model: model as LanguageModelV4, middleware }));
    }
  }
  const global = guards.get('guardrail');
  return {
    models: (models) =>
      global
        ? {
            defaultModel: models.defaultModel,
            fallbackModels: models.fallbackModels,
            languageModel: (name) => global(models.languageModel(name)),
          }
        : models,
    forwarder: (forwarder) =>
      global && forwarder ? ({ ...forwarder, canForward: () => false } as typeof forwarder) : forwarder,
    assistants: (catalog) => ({
      settings: catalog.settings,
      names: () => catalog.names(),
      prepare(name) {
        const prepared = catalog.prepare(name);
        const guard = guards.get(`assistants.${name}.guardrail`) ?? global;
        return guard && !prepared.managed ? { ...prepared, model: guard(prepared.model) } : prepared;
      },
    }),
  };
}

function guardrailOptions(settings: GuardrailSettings) {
  return {
    id: settings.id,
    version: settings.version,
    region: settings.region,
    endpoint: settings.endpoint,
    outputCheckChars: settings.outputCheckChars,
  };
}
