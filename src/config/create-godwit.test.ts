import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { createGodwit } from './create-godwit.ts';
import { configSchema } from './schema.ts';

describe('createGodwit', () => {
  it('refuses a Redis cache without a Redis URL, naming the variable to set', async () => {
    const config = configSchema.parse({ cache: { backend: 'redis' }, dataDir: '/nonexistent/never-created' });
    await expect(createGodwit(config, { env: {} })).rejects.toThrowError(ConfigError);
    await expect(createGodwit(config, { env: {} })).rejects.toThrowError(/GODWIT_REDIS_URL/);
  });

  it('rejects a routing rule without conditions at startup', async () => {
    const config = configSchema.parse({
      routing: { rules: [{ when: {}, model: 'local:extractive' }] },
      dataDir: '/nonexistent/never-created',
    });
    await expect(createGodwit(config, { env: {} })).rejects.toThrowError(/routing\.rules\[0\]/);
  });
});
