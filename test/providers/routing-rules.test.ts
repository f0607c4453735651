/** Routing rules: which model a request goes to, and the routing model that applies them per call. */
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.ts';
import {
  createRoutingModel,
  describeCall,
  type RoutingRequest,
  type RoutingRule,
  routeModel,
} from '../../src/providers/routing/index.ts';

const HAIKU = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';
const SONNET = 'bedrock:anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA = 'bedrock:amazon.nova-micro-v1:0';

const rules: RoutingRule[] = [
  { name: 'greetings', when: { pattern: '^(hi|hello|thanks)\\b' }, model: NOVA },
  {
    name: 'simple questions',
    when: { maxInputTokens: 400, noTools: true, excludePattern: 'step by step|compare|explain' },
    model: HAIKU,
  },
];

const request = (text: string, more: Partial<RoutingRequest> = {}): RoutingRequest => ({
  text,
  inputTokens: 50,
  toolCount: 0,
  ...more,
});

describe('routeModel', () => {
  it('sends a short question without tools to the cheaper model', () => {
    expect(routeModel(request('What are the opening hours?'), rules, SONNET)).toEqual({
      model: HAIKU,
      rule: 'simple questions',
    });
  });

  it('keeps the default model when any condition fails', () => {
    expect(routeModel(request('Opening hours?', { inputTokens: 401 }), rules, SONNET).model).toBe(SONNET);
    expect(routeModel(request('Book me a slot', { toolCount: 2 }), rules, SONNET).model).toBe(SONNET);
    expect(routeModel(request('Explain the refund policy'), rules, SONNET)).toEqual({
      model: SONNET,
      rule: null,
    });
  });

  it('takes the first matching rule, with string patterns matched case-insensitively', () => {
    expect(routeModel(request('Hello there', { toolCount: 3 }), rules, SONNET)).toEqual({
      model: NOVA,
      rule: 'greetings',
    });
    expect(routeModel(request('THANKS!'), rules, SONNET).model).toBe(NOVA);
  });

  it('treats a global regular expression the same on every request', () => {
    const globalRules: RoutingRule[] = [{ when: { pattern: /hours/g }, model: HAIKU }];
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(routeModel(request('opening hours'), globalRules, SONNET).model).toBe(HAIKU);
    }
    expect(routeModel(request('opening hours'), globalRules, SONNET).rule).toBe('routing.rules[0]');
  });

  it('keeps the default with no rules', () => {
    expect(routeModel(request('anything'), [], SONNET)).toEqual({ model: SONNET, rule: null });
  });

  it('rejects malformed rules with the field and the fix', () => {
    const cases: Array<[RoutingRule[], RegExp]> = [
      [[{ when: {}, model: HAIKU }], /routing\.rules\[0\] has no condition.*default model/],
      [[{ when: { noTools: true }, model: 'haiku' }], /routing\.rules\[0\]\.model/],
      [[{ when: { maxInputTokens: -5 }, model: HAIKU }], /maxInputTokens must be a positive whole number/],
      [
        [{ when: { pattern: '(unclosed' }, model: HAIKU }],
        /routing\.rules\[0\]\.when\.pattern is not a valid regular expression/,
      ],
      [[{ when: { maxTokens: 5 } as never, model: HAIKU }], /unknown condition maxTokens/],
    ];
    for (const [bad, message] of cases) {
      expect(() => routeModel(request('x'), bad, SONNET)).toThrow(ConfigError);
      expect(() => routeModel(request('x'), bad, SONNET)).toThrow(message);
    }
  });
});

describe('describeCall', () => {
  it('reads the latest user message, estimates the whole prompt and counts tools', () => {
    const params: LanguageModelV4CallOptions = {
      prompt: [
        { role: 'system', content: 'You answer from the handbook. '.repeat(20) },
        { role: 'user', content: [{ type: 'text', text: 'first question' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
        { role: 'user', content: [{ type: 'text', text: 'and the opening hours?' }] },
      ],
      tools: [{ type: 'function', name: 'lookup', inputSchema: { type: 'object' } }],
    };
    const described = describeCall(params);
    expect(described.text).toBe('and the opening hours?');
    expect(described.inputTokens).toBeGreaterThan(150);
    expect(described.toolCount).toBe(1);
    expect(describeCall({ ...params, toolChoice: { type: 'none' } }).toolCount).toBe(0);
  });
});

const usage = {
  inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 2, text: 2, reasoning: 0 },
};

function named(modelId: string) {
  const parts = (): LanguageModelV4StreamPart[] => [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: `from ${modelId}` },
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
  ];
  return new MockLanguageModelV4({
    provider: 'bedrock',
    modelId,
    doGenerate: async () => ({
      content: [{ type: 'text', text: `from ${modelId}` }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    }),
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts()) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

function registry() {
  const models = new Map([SONNET, HAIKU, NOVA].map((name) => [name, named(name.slice('bedrock:'.length))]));
  const resolve = (name: string) => {
    const model = models.get(name);
    if (!model) throw new ValidationError(`Unknown model ${name}`);
    return model;
  };
  return { models, resolve };
}

describe('createRoutingModel', () => {
  it('routes each call and records where it went', async () => {
    const { resolve } = registry();
    const decisions: string[] = [];
    const model = createRoutingModel({
      defaultModel: SONNET,
      rules,
      resolve,
      onRoute: (decision) => decisions.push(decision.model),
    });
    const simple = await generateText({ model, prompt: 'What are the opening hours?' });
    const hard = await generateText({ model, prompt: 'Compare the two refund policies step by step.' });

    expect(simple.text).toBe('from anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(simple.providerMetadata?.godwit).toEqual({ routedTo: HAIKU, routingRule: 'simple questions' });
    expect(hard.text).toBe('from anthropic.claude-sonnet-4-20250514-v1:0');
    expect(hard.providerMetadata?.godwit).toEqual({ routedTo: SONNET, routingRule: null });
    expect(decisions).toEqual([HAIKU, SONNET]);
  });

  it('keeps requests with tools on the default model, streaming too', async () => {
    const { models, resolve } = registry();
    const model = createRoutingModel({ defaultModel: SONNET, rules, resolve });
    const lookup = tool({ inputSchema: jsonSchema({ type: 'object' }), execute: async () => 'open 9-5' });
    const result = streamText({ model, prompt: 'Opening hours?', tools: { lookup } });
    expect(await result.text).toBe('from anthropic.claude-sonnet-4-20250514-v1:0');
    expect((await result.providerMetadata)?.godwit).toMatchObject({ routedTo: SONNET });
    expect(models.get(HAIKU)!.doStreamCalls).toHaveLength(0);
  });

  it('fails at creation when a rule names an unknown model', () => {
    const { resolve } = registry();
    const build = () =>
      createRoutingModel({
        defaultModel: SONNET,
        rules: [{ when: { noTools: true }, model: 'bedrock:typo' }],
        resolve,
      });
    expect(build).toThrow(/Unknown model bedrock:typo/);
  });

  it('is the default model itself when there are no rules', () => {
    const { models, resolve } = registry();
    expect(createRoutingModel({ defaultModel: SONNET, rules: [], resolve })).toBe(models.get(SONNET));
  });
});
