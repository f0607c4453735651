import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { loadConfig } from './load-config.ts';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'godwit-config-'));
}

describe('loadConfig', () => {
  it('gives the zero-setup defaults with no file and no variables', () => {
    const cwd = scratch();
    const { config, configPath } = loadConfig({ cwd, env: {} });
    expect(configPath).toBeNull();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(config.models.default).toBeNull();
    expect(config.dataDir).toBe(join(cwd, '.godwit'));
    expect(config.database.url).toBeNull();
  });

  it('reads godwit.config.yaml and lets GODWIT_* variables override it', () => {
    const cwd = scratch();
    writeFileSync(
      join(cwd, 'godwit.config.yaml'),
      'server:\n  port: 9000\n  host: 127.0.0.2\nretrieval:\n  k: 4\n',
    );
    const { config } = loadConfig({
      cwd,
      env: {
        GODWIT_PORT: '9100',
        GODWIT_FALLBACK_MODELS: 'local:extractive, local:extractive',
        GODWIT_INGEST__CHUNK_TOKENS: '256',
      },
    });
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('127.0.0.2');
    expect(config.retrieval.k).toBe(4);
    expect(config.models.fallback).toEqual(['local:extractive', 'local:extractive']);
    expect(config.ingest.chunkTokens).toBe(256);
  });

  it('gives explicit overrides the last word', () => {
    const { config } = loadConfig({
      cwd: scratch(),
      env: { GODWIT_PORT: '9100' },
      overrides: { server: { port: 9200 } },
    });
    expect(config.server.port).toBe(9200);
  });

  it('names the key, the variable and the problem for a bad value', () => {
    expect(() => loadConfig({ cwd: scratch(), env: { GODWIT_PORT: 'eighty' } })).toThrowError(
      /server\.port \(from GODWIT_PORT\): .*number/i,
    );
  });

  it('names a misspelt key in the file', () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'godwit.config.yaml'), 'servr:\n  port: 1\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrowError(/servr.*remove or fix the spelling/);
  });

  it('rejects a model name without a provider', () => {
    expect(() => loadConfig({ cwd: scratch(), env: { GODWIT_MODEL: 'gpt-4' } })).toThrowError(
      /models\.default \(from GODWIT_MODEL\).*provider:model-id/,
    );
  });

  it('reports a missing explicit config file and invalid YAML as ConfigError', () => {
    const cwd = scratch();
    expect(() => loadConfig({ cwd, env: {}, configPath: 'nope.yaml' })).toThrowError(ConfigError);
    writeFileSync(join(cwd, 'bad.yaml'), 'server: [unclosed');
    expect(() => loadConfig({ cwd, env: { GODWIT_CONFIG: 'bad.yaml' } })).toThrowError(/not valid YAML/);
  });

  it('rejects an unknown GODWIT_ variable instead of ignoring it', () => {
    expect(() => loadConfig({ cwd: scratch(), env: { GODWIT_PROT: '1' } })).toThrowError(
      /Unknown environment variable GODWIT_PROT/,
    );
  });
});
