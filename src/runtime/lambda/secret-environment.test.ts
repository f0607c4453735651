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

const listing = (entries: Record<string, string>) => ({ GODWIT_SECRET_ARNS: JSON.stringify(entries) });

describe('resolveSecretEnvironment', () => {
  it('reads each secret listed in GODWIT_SECRET_ARNS into its variable with the session token', async () => {
    const env = await resolveSecretEnvironment({ ...base(), ...listing({ OPENAI_API_KEY: SECRET_ARN }) });
    expect(env.OPENAI_API_KEY).toBe('sk-test-123');
    expect(seenTokens.at(-1)).toBe('session');
  });

  it('keeps a value that is already set and leaves other variables alone', async () => {
    const input = {
      ...base(),
      OPENAI_API_KEY: 'sk-given',
      ...listing({ OPENAI_API_KEY: SECRET_ARN }),
      GODWIT_PORT: '1',
    };
    expect(await resolveSecretEnvironment(input)).toEqual(input);
  });

  it('passes the Data API secret ARN through as a plain value, with or without the extension', async () => {
    const dataApi = {
      GODWIT_DATABASE__DATA_API__RESOURCE_ARN: 'arn:aws:rds:eu-west-1:123456789012:cluster:godwit',
      GODWIT_DATABASE__DATA_API__SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      GODWIT_DATABASE__DATA_API__DATABASE: 'godwit',
      SOME_OTHER_SECRET_ARN: SECRET_ARN,
    };
    const refuse = (() => Promise.reject(new Error('no secret should be read'))) as typeof fetch;
    expect(await resolveSecretEnvironment(dataApi, refuse)).toEqual(dataApi);
    expect(await resolveSecretEnvironment({ ...base(), ...dataApi })).toEqual({ ...base(), ...dataApi });
  });

  it('names the variable when the secret cannot be read or has no value', async () => {
    await expect(
      resolveSecretEnvironment({
        ...base(),
        ...listing({ MISSING_KEY: 'arn:aws:secretsmanager:x:1:secret:nope' }),
      }),
    ).rejects.toThrow(/MISSING_KEY \(arn:aws:secretsmanager:x:1:secret:nope\) failed \(HTTP 404\)/);
    await expect(resolveSecretEnvironment({ ...base(), ...listing({ EMPTY: EMPTY_ARN }) })).rejects.toThrow(
      /EMPTY has no value yet/,
    );
  });

  it('explains that secrets need the Lambda runtime when there is no session token', async () => {
    await expect(resolveSecretEnvironment(listing({ OPENAI_API_KEY: SECRET_ARN }))).rejects.toThrow(
      /AWS_SESSION_TOKEN is not set/,
    );
  });

  it('rejects a malformed list with the variable name and the expected shape', async () => {
    await expect(resolveSecretEnvironment({ GODWIT_SECRET_ARNS: 'OPENAI_API_KEY' })).rejects.toThrow(
      /GODWIT_SECRET_ARNS is not valid JSON/,
    );
    await expect(resolveSecretEnvironment({ GODWIT_SECRET_ARNS: '["x"]' })).rejects.toThrow(
      /must be a JSON object/,
    );
    await expect(resolveSecretEnvironment(listing({ 'bad-name': SECRET_ARN }))).rejects.toThrow(
      /"bad-name", which is not an environment variable name/,
    );
    await expect(resolveSecretEnvironment(listing({ OPENAI_API_KEY: 'sk-plain' }))).rejects.toThrow(
      /value for OPENAI_API_KEY must be a Secrets Manager ARN/,
    );
  });
});
