/**
 * Where Bedrock's credentials come from: the AWS credential chain (a profile in a shared credentials
 * file), a Bedrock API key, or an injected provider. The emulator shows which key signed the request.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { createBedrockProvider } from '../../src/providers/bedrock/index.ts';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';

const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

let emulator: Emulator;
let directory: string;
let credentialsFile: string;

beforeAll(async () => {
  emulator = await startEmulator();
  directory = mkdtempSync(join(tmpdir(), 'godwit-aws-'));
  credentialsFile = join(directory, 'credentials');
  writeFileSync(
    credentialsFile,
    '[godwit-test]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n',
  );
});
afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  await emulator.close();
});

function baseEnv() {
  return {
    AWS_REGION: 'eu-central-1',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
    AWS_CONFIG_FILE: join(directory, 'config-that-does-not-exist'),
  };
}

async function authorizationOf(provider: ReturnType<typeof createBedrockProvider>): Promise<string> {
  const start = emulator.requests.length;
  await generateText({ model: provider.languageModel(HAIKU), prompt: 'hi', maxRetries: 0 });
  return String(emulator.requests[start]?.headers.authorization);
}

describe('Bedrock credentials', () => {
  it('signs with the profile named by AWS_PROFILE from the shared credentials file', async () => {
    const provider = createBedrockProvider({
      env: { ...baseEnv(), AWS_PROFILE: 'godwit-test', AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    });
    expect(await authorizationOf(provider)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFROMPROFILE\/\d{8}\/eu-central-1\/bedrock\//,
    );
  });

  it('sends a Bedrock API key as a bearer token', async () => {
    const provider = createBedrockProvider({
      env: { ...baseEnv(), AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' },
    });
    expect(await authorizationOf(provider)).toBe('Bearer bedrock-api-key');
  });

  it('uses an injected credential provider', async () => {
    const provider = createBedrockProvider({
      env: baseEnv(),
      credentialProvider: async () => ({ accessKeyId: 'AKIDINJECTED', secretAccessKey: 'injected-secret' }),
    });
    expect(await authorizationOf(provider)).toContain('Credential=AKIDINJECTED/');
  });

  it('turns a profile the chain cannot find into a ConfigError naming what to set', async () => {
    const provider = createBedrockProvider({
      env: { ...baseEnv(), AWS_PROFILE: 'no-such-profile', AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    });
    const failure = await generateText({
      model: provider.languageModel(HAIKU),
      prompt: 'hi',
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toContain('AWS_ACCESS_KEY_ID');
  });
});
