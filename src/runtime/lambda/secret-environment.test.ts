import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecretEnvironment } from './secret-environment.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Godwit/OPENAI_API_KEY-AbCdEf';
const EMPTY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:Godwit/EMPTY-AbCdEf';
let server: Server;
let port: string;
const seenTokens: string[] = [];

// Speaks the Parameters and Secrets extension's HTTP API: GET /secretsmanager/get?secretId=…
beforeAll(async () => {
  server = createServer((request, response) => {
    seenTokens.push(String(request.headers['x-aws-parameters-secrets-token']));
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const secretId = url.searchParams.get('secretId');
    if (
      url.pathname !== '/secretsmanager/get' ||
      request.headers['x-aws-parameters-secrets-token'] !== 'session'
    ) {
      response.writeHead(400).end('bad request');
    } else if (secretId === SECRET_ARN) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ ARN: SECRET_ARN, Name: 'Godwit/OPENAI_API_KEY', SecretString: 'sk-test-123' }),
      );
    } else if (secretId === EMPTY_ARN) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ARN: EMPTY_ARN }));
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = String((server.address() as AddressInfo).port);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const base = () => ({ AWS_SESSION_TOKEN: 'session', PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: port });

describe('resolveSecretEnvironment', () => {
  it('reads each <NAME>_SECRET_ARN into <NAME> with the session token', async () => {
    const env = await resolveSecretEnvironment({ ...base(), OPENAI_API_KEY_SECRET_ARN: SECRET_ARN });
    expect(env.OPENAI_API_KEY).toBe('sk-test-123');
    expect(seenTokens.at(-1)).toBe('session');
  });

  it('keeps a value that is already set and leaves other variables alone', async () => {
    const input = {
      ...base(),
      OPENAI_API_KEY: 'sk-given',
      OPENAI_API_KEY_SECRET_ARN: SECRET_ARN,
      GODWIT_PORT: '1',
    };
    expect(await resolveSecretEnvironment(input)).toEqual(input);
  });

  it('names the variable when the secret cannot be read or has no value', async () => {
    await expect(
      resolveSecretEnvironment({
        ...base(),
        MISSING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:x:1:secret:nope',
      }),
    ).rejects.toThrow(/MISSING_KEY \(MISSING_KEY_SECRET_ARN\) failed \(HTTP 404\)/);
    await expect(resolveSecretEnvironment({ ...base(), EMPTY_SECRET_ARN: EMPTY_ARN })).rejects.toThrow(
      /EMPTY has no value yet/,
    );
  });

  it('explains that secrets need the Lambda runtime when there is no session token', async () => {
    await expect(resolveSecretEnvironment({ OPENAI_API_KEY_SECRET_ARN: SECRET_ARN })).rejects.toThrow(
      /AWS_SESSION_TOKEN is not set/,
    );
  });
});
