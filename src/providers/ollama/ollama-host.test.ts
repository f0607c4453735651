import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { ollamaHostURL } from './ollama-host.ts';

describe('ollamaHostURL', () => {
  it.each([
    [undefined, 'http://127.0.0.1:11434'],
    ['', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['gpu-box:8080', 'http://gpu-box:8080'],
    ['gpu-box', 'http://gpu-box:11434'],
    ['http://gpu-box', 'http://gpu-box'],
    ['https://ollama.example.com/', 'https://ollama.example.com'],
    ['http://proxy.local:9000/ollama/', 'http://proxy.local:9000/ollama'],
    ['[::]:11434', 'http://[::1]:11434'],
  ])('reads %j as %s', (host, expected) => {
    expect(ollamaHostURL(host)).toBe(expected);
  });

  it('rejects other schemes, naming the variable', () => {
    expect(() => ollamaHostURL('ftp://box')).toThrow(ConfigError);
    expect(() => ollamaHostURL('ftp://box')).toThrow('OLLAMA_HOST');
  });
});
