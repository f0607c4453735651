import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { createModels } from './create-models.ts';
import { configSchema } from './schema.ts';

const config = (models: Record<string, unknown> = {}) => configSchema.parse({ models });

describe('createModels', () => {
  it('uses the offline extractive model when no provider is configured, and says why', async () => {
    const layer = await createModels(config(), {});
    expect(layer.provider.model).toBe('local:extractive');
    expect(layer.provider.reason).toMatch(/no provider credentials found/);
    expect(layer.provider.providers.find((entry) => entry.provider === 'openai')?.configured).toBe(false);
  });

  it('picks the first configured provider when no model is named', async () => {
    const layer = await createModels(config(), {
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(layer.provider.model).toBe('openai:gpt-4.1-mini');
    expect(layer.provider.reason).not.toContain('sk-test');
  });

  it('fails at startup, naming the variable, when the chosen model lacks credentials', async () => {
    await expect(createModels(config({ default: 'openai:gpt-4.1-mini' }), {})).rejects.toThrowError(
      ConfigError,
    );
    await expect(createModels(config({ default: 'openai:gpt-4.1-mini' }), {})).rejects.toThrowError(
      /OPENAI_API_KEY/,
    );
  });

  it('rejects an unknown provider with the list of known ones', async () => {
    await expect(createModels(config({ default: 'acme:large' }), {})).rejects.toThrowError(
      /Unknown model provider "acme".*local/,
    );
  });

  it('registers the configured embedding model', async () => {
    const layer = await createModels(config({ embedding: 'openai:text-embedding-3-small' }), {
      OPENAI_API_KEY: 'sk-test',
    });
    expect(layer.embedders.get('openai:text-embedding-3-small')?.dimension).toBe(1536);
  });
});
