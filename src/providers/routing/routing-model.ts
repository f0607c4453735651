/**
 * A language model that routes each call by the routing rules: a simple request goes to the model of the
 * first matching rule, anything else to the default model. The choice is recorded in
 * `providerMetadata.godwit.routedTo` (and `routingRule`) on the result and on the stream's finish part,
 * so usage can be priced at the model that answered.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamResult,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';
import { ValidationError } from '../../core/errors.ts';
import { pipeParts } from '../resilience/stream-parts.ts';
import { describeCall, type RouteDecision, type RoutingRequest, routeModel } from './route-model.ts';
import { type CompiledRule, compileRoutingRules, type RoutingRule } from './routing-rules.ts';

export interface RoutingModelOptions {
  /** Used when no rule matches; its provider and model id are the routing model's own. */
  defaultModel: string;
  rules: readonly RoutingRule[];
  /** Resolves a model name, for example the registry's `languageModel`. */
  resolve: (name: string) => LanguageModel;
  /** Told about every decision (metrics, logs). */
  onRoute?: (decision: RouteDecision, request: RoutingRequest) => void;
}

/**
 * Resolves every model named by the rules up front, so a typo fails at startup.
 *
 * @example
 *   const model = createRoutingModel({ defaultModel: 'bedrock:anthropic.claude-sonnet-4-20250514-v1:0',
 *     rules: [{ when: { maxInputTokens: 400, noTools: true }, model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }],
 *     resolve: (name) => registry.languageModel(name) });
 */
export function createRoutingModel(options: RoutingModelOptions): LanguageModelV4 {
  const rules = compileRoutingRules(options.rules);
  const models = new Map<string, LanguageModelV4>();
  for (const name of [options.defaultModel, ...rules.map((rule) => rule.model)]) {
    if (!models.has(name)) models.set(name, asVersion4(options.resolve(name), name));
  }
  if (rules.length === 0) return models.get(options.defaultModel)!;
  return new RoutingLanguageModel(options, rules, models);
}

function asVersion4(model: LanguageModel, name: string): LanguageModelV4 {
  if (typeof model === 'string' || model.specificationVersion !== 'v4') {
    throw new ValidationError(
      `Routing needs an AI SDK v4 model object for ${name}; resolve it through the registry.`,
    );
  }
  return model;
}

class RoutingLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: LanguageModelV4['supportedUrls'];

  constructor(
    private readonly options: RoutingModelOptions,
    private readonly rules: CompiledRule[],
    private readonly models: Map<string, LanguageModelV4>,
  ) {
    const fallback = models.get(options.defaultModel)!;
    this.provider = fallback.provider;
    this.modelId = fallback.modelId;
    this.supportedUrls = fallback.supportedUrls;
  }

  async doGenerate(params: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { decision, model } = this.choose(params);
    const result = await model.doGenerate(params);
    return { ...result, providerMetadata: annotate(result.providerMetadata, decision) };
  }

  async doStream(params: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { decision, model } = this.choose(params);
    const result = await model.doStream(params);
    const stream = pipeParts(result.stream, {
      onPart(part, emit) {
        emit(
          part.type === 'finish'
            ? { ...part, providerMetadata: annotate(part.providerMetadata, decision) }
            : part,
        );
      },
    });
    return { ...result, stream };
  }

  private choose(params: LanguageModelV4CallOptions) {
    const request = describeCall(params);
    const decision = routeModel(request, this.rules, this.options.defaultModel);
    this.options.onRoute?.(decision, request);
    return { decision, model: this.models.get(decision.model)! };
  }
}

function annotate(
  metadata: SharedV4ProviderMetadata | undefined,
  decision: RouteDecision,
): SharedV4ProviderMetadata {
  const godwit = (metadata?.godwit ?? {}) as Record<string, unknown>;
  return {
    ...metadata,
    godwit: { ...godwit, routedTo: decision.model, routingRule: decision.rule },
  } as SharedV4ProviderMetadata;
}
