import { describe, expect, it } from 'vitest';
import { detectProviders, type ProviderDetection } from './detect-providers.ts';

const noFiles = { fileExists: () => false };

function find(detections: ProviderDetection[], provider: string): ProviderDetection {
  return detections.find((detection) => detection.provider === provider)!;
}

describe('detectProviders', () => {
  it('reports only the offline model for an empty environment, and what to set for the others', () => {
    const detections = detectProviders({}, noFiles);
    expect(detections.map((detection) => [detection.provider, detection.configured])).toEqual([
      ['local', true],
      ['bedrock', false],
      ['openai', false],
      ['google', false],
      ['ollama', false],
    ]);
    expect(find(detections, 'bedrock').missing).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_REGION',
    ]);
    expect(find(detections, 'openai').missing).toEqual(['OPENAI_API_KEY']);
    expect(find(detections, 'google').missing).toEqual(['GOOGLE_GENERATIVE_AI_API_KEY']);
  });

  it('explains each configured provider without printing a secret', () => {
    const env = {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'very-secret',
      OPENAI_API_KEY: 'sk-very-secret',
      OPENAI_BASE_URL: 'https://user:password@gateway.example.com/v1/?token=secret',
      GEMINI_API_KEY: 'gemini-secret',
      OLLAMA_HOST: '0.0.0.0',
    };
    const detections = detectProviders(env, noFiles);
    expect(detections.every((detection) => detection.configured)).toBe(true);
    expect(find(detections, 'bedrock')).toMatchObject({
      reason: 'region eu-west-1; access keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      endpoint: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
    });
    expect(find(detections, 'openai').endpoint).toBe('https://gateway.example.com/v1');
    expect(find(detections, 'google').reason).toBe('GEMINI_API_KEY is set');
    expect(find(detections, 'ollama').endpoint).toBe('http://127.0.0.1:11434');
    const printed = JSON.stringify(detections);
    for (const secret of ['very-secret', 'password', 'token=secret', 'gemini-secret', 'AKIAEXAMPLE']) {
      expect(printed).not.toContain(secret);
    }
  });

  it('follows the AWS chain: profile, container role, shared files, and names a missing half of a key pair', () => {
    const region = { AWS_REGION: 'us-east-1' };
    const reason = (env: Record<string, string>, fileExists: (path: string) => boolean = () => false) =>
      find(detectProviders(env, { fileExists }), 'bedrock').reason;
    expect(reason({ ...region, AWS_PROFILE: 'dev' })).toContain('AWS profile "dev"');
    expect(reason({ ...region, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' })).toContain(
      'container role',
    );
    expect(
      reason({ ...region, HOME: '/home/ana' }, (path) => path === '/home/ana/.aws/credentials'),
    ).toContain('/home/ana/.aws/credentials');
    expect(reason({ ...region, AWS_SECRET_ACCESS_KEY: 'x' })).toContain('AWS_ACCESS_KEY_ID is not set');
    expect(reason({ ...region, AWS_BEARER_TOKEN_BEDROCK: 'key' })).toContain('AWS_BEARER_TOKEN_BEDROCK');
  });

  it('asks for a region when credentials exist without one, and honours the endpoint override', () => {
    const withoutRegion = find(detectProviders({ AWS_PROFILE: 'dev' }, noFiles), 'bedrock');
    expect(withoutRegion).toMatchObject({ configured: false, missing: ['AWS_REGION'] });
    const redirected = find(
      detectProviders(
        {
          AWS_PROFILE: 'dev',
          AWS_DEFAULT_REGION: 'us-west-2',
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:4566/',
        },
        noFiles,
      ),
      'bedrock',
    );
    expect(redirected).toMatchObject({ configured: true, endpoint: 'http://127.0.0.1:4566' });
  });

  it('reports a malformed OLLAMA_HOST as not configured', () => {
    const ollama = find(detectProviders({ OLLAMA_HOST: 'ftp://box' }, noFiles), 'ollama');
    expect(ollama.configured).toBe(false);
    expect(ollama.reason).toContain('OLLAMA_HOST');
  });
});
