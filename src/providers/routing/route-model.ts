/** Picks the model for one request from the routing rules. */
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { estimateTokens } from '../../core/text/tokens.ts';
import { type CompiledRule, compileRoutingRules, type RoutingRule } from './routing-rules.ts';

/** What the rules look at. */
export interface RoutingRequest {
  /** The latest user message. */
  text: string;
  /** Estimated tokens of the whole prompt. */
  inputTokens: number;
  /** Tools the model may call (0 when tool choice is `none`). */
  toolCount: number;
}

export interface RouteDecision {
  model: string;
  /** The matching rule's name; null when the default model was kept. */
  rule: string | null;
}

const compiled = new WeakMap<readonly RoutingRule[], CompiledRule[]>();

/**
 * The model for `request`: that of the first rule whose conditions all hold, else `defaultModel`.
 * Throws ConfigError for malformed rules (compiled once per rules array).
 *
 * @example
 *   routeModel({ text: 'opening hours?', inputTokens: 120, toolCount: 0 }, rules, 'bedrock:anthropic.claude-sonnet-4-20250514-v1:0')
 *   // → { model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', rule: 'simple questions' }
 */
export function routeModel(
  request: RoutingRequest,
  rules: readonly RoutingRule[] | readonly CompiledRule[],
  defaultModel: string,
): RouteDecision {
  for (const rule of compile(rules)) {
    if (matches(rule, request)) return { model: rule.model, rule: rule.name };
  }
  return { model: defaultModel, rule: null };
}

function compile(rules: readonly RoutingRule[] | readonly CompiledRule[]): readonly CompiledRule[] {
  if (rules.length === 0 || !('when' in rules[0]!)) return rules as readonly CompiledRule[];
  const source = rules as readonly RoutingRule[];
  let result = compiled.get(source);
  if (!result) {
    result = compileRoutingRules(source);
    compiled.set(source, result);
  }
  return result;
}

function matches(rule: CompiledRule, request: RoutingRequest): boolean {
  if (rule.maxInputTokens !== undefined && request.inputTokens > rule.maxInputTokens) return false;
  if (rule.noTools && request.toolCount > 0) return false;
  if (rule.pattern && !test(rule.pattern, request.text)) return false;
  if (rule.excludePattern && test(rule.excludePattern, request.text)) return false;
  return true;
}

/** `test` on a global or sticky expression moves its lastIndex; reset it so every request starts alike. */
function test(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** The routing view of an AI SDK call: the latest user text, the prompt's token estimate, the tools. */
export function describeCall(params: LanguageModelV4CallOptions): RoutingRequest {
  let inputTokens = 0;
  let text = '';
  for (const message of params.prompt) {
    if (message.role === 'system') {
      inputTokens += estimateTokens(message.content);
      continue;
    }
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') texts.push(part.text);
      else if (part.type === 'tool-call') texts.push(JSON.stringify(part.input));
      else if (part.type === 'tool-result') texts.push(JSON.stringify(part.output));
    }
    const joined = texts.join('\n');
    inputTokens += estimateTokens(joined);
    if (message.role === 'user') text = joined;
  }
  const toolCount = params.toolChoice?.type === 'none' ? 0 : (params.tools?.length ?? 0);
  return { text, inputTokens, toolCount };
}
