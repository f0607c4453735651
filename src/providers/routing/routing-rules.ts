/**
 * Routing rules: conditions under which a request goes to another (usually cheaper) model. Every
 * condition of a rule must hold; the first matching rule wins; no match keeps the default model.
 *
 * @example
 *   { name: 'simple questions', when: { maxInputTokens: 400, noTools: true }, model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }
 */
import { ConfigError } from '../../core/errors.ts';

export interface RoutingCondition {
  /** The whole prompt (system, history, this message) is estimated at no more than this many tokens. */
  maxInputTokens?: number;
  /** No tools are offered to the model. */
  noTools?: boolean;
  /** The latest user message matches. A string is a regular expression, matched case-insensitively. */
  pattern?: string | RegExp;
  /** The latest user message does not match (for example `explain|step by step|compare`). */
  excludePattern?: string | RegExp;
}

export interface RoutingRule {
  /** Shown in metadata and logs; default `rules[index]`. */
  name?: string;
  when: RoutingCondition;
  /** `provider:model-id` to use when the rule matches. */
  model: string;
}

export interface CompiledRule {
  name: string;
  model: string;
  maxInputTokens: number | undefined;
  noTools: boolean;
  pattern: RegExp | undefined;
  excludePattern: RegExp | undefined;
}

const CONDITIONS = ['maxInputTokens', 'noTools', 'pattern', 'excludePattern'] as const;

/** Checks and compiles rules; throws ConfigError naming `routing.rules[i].field` and the fix. */
export function compileRoutingRules(rules: readonly RoutingRule[], field = 'routing.rules'): CompiledRule[] {
  return rules.map((rule, index) => {
    const at = `${field}[${index}]`;
    const fail = (message: string): never => {
      throw new ConfigError(message, { details: { field: at } });
    };
    if (typeof rule.model !== 'string' || !/^[^:\s]+:\S+$/.test(rule.model)) {
      fail(`${at}.model must be a model name like bedrock:anthropic.claude-3-5-haiku-20241022-v1:0.`);
    }
    const when = rule.when ?? {};
    const unknown = Object.keys(when).filter((key) => !(CONDITIONS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      fail(`${at}.when has unknown condition ${unknown.join(', ')}; use ${CONDITIONS.join(', ')}.`);
    }
    if (CONDITIONS.every((key) => when[key] === undefined || when[key] === false)) {
      fail(
        `${at} has no condition, so every request would go to ${rule.model}. Add a condition, or make ${rule.model} the default model instead.`,
      );
    }
    const limit = when.maxInputTokens;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      fail(`${at}.when.maxInputTokens must be a positive whole number of tokens; got ${limit}.`);
    }
    return {
      name: rule.name ?? at,
      model: rule.model,
      maxInputTokens: limit,
      noTools: when.noTools === true,
      pattern: compilePattern(when.pattern, `${at}.when.pattern`),
      excludePattern: compilePattern(when.excludePattern, `${at}.when.excludePattern`),
    };
  });
}

function compilePattern(pattern: string | RegExp | undefined, field: string): RegExp | undefined {
  if (pattern === undefined || pattern instanceof RegExp) return pattern;
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw new ConfigError(
      `${field} is not a valid regular expression (${(error as Error).message}). Escape special characters such as ( [ ? with a backslash.`,
      { cause: error, details: { field } },
    );
  }
}
