import { describe, expect, it } from 'vitest';
import { modelLabelerFor } from './model-labels.ts';

const services = {
  embedders: new Map(),
  provider: {
    model: 'openai:gpt-4.1-mini',
    fallbackModels: ['ollama:llama3.2'],
    embeddingModel: 'openai:text-embedding-3-small',
    reason: 'configured',
    availableModels: ['local:extractive', 'openai:*', 'ollama:*'],
    providers: [
      { provider: 'openai', configured: true, reason: 'OPENAI_API_KEY' },
      { provider: 'ollama', configured: true, reason: 'OLLAMA_HOST' },
      { provider: 'google', configured: false, reason: 'no key' },
    ],
  },
};

describe('model labels', () => {
  const label = modelLabelerFor(services);

  it('keeps the configured models, the offered exact names and the priced models', () => {
    for (const name of ['openai:gpt-4.1-mini', 'ollama:llama3.2', 'openai:text-embedding-3-small']) {
      expect(label(name).model).toBe(name);
    }
    expect(label('local:extractive')).toEqual({ provider: 'local', model: 'local:extractive' });
    expect(label('openai:gpt-4o')).toEqual({ provider: 'openai', model: 'openai:gpt-4o' });
    expect(label('bedrock:us.amazon.nova-lite-v1:0').model).toBe('bedrock:us.amazon.nova-lite-v1:0');
  });

  it('groups any other name of a known provider, whatever the caller sends', () => {
    const labels = new Set(
      Array.from({ length: 200 }, (_unused, index) => label(`openai:made-up-${index}`).model),
    );
    expect([...labels]).toEqual(['openai:other']);
    expect(label('ollama:anything')).toEqual({ provider: 'ollama', model: 'ollama:other' });
  });

  it('groups names of unknown providers as other, provider included', () => {
    expect(label('attacker-1:x')).toEqual({ provider: 'other', model: 'other' });
    expect(label('no-separator')).toEqual({ provider: 'other', model: 'other' });
  });

  it('reads AI SDK provider names (openai.chat) as their provider', () => {
    expect(label('openai.chat:gpt-4.1-mini')).toEqual({
      provider: 'openai',
      model: 'openai.chat:gpt-4.1-mini',
    });
    expect(label('openai.responses:random')).toEqual({ provider: 'openai', model: 'openai:other' });
  });
});
