/** Channel and CORS configuration: bad values stop start-up with the key and the fix; off channels say how to turn on. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { channelSettings } from '../../src/config/create-channels.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { configSchema } from '../../src/config/schema.ts';
import { resolveSecretEnvironment } from '../../src/runtime/lambda/secret-environment.ts';
import { createLambdaApp } from '../../src/runtime/lambda.ts';
import { createApp } from '../../src/server/index.ts';
import { createTestServices } from '../support/test-services.ts';

const KEY = 'a'.repeat(64);

function loadWith(env: Record<string, string>) {
  return () => loadConfig({ env, cwd: '/nonexistent-godwit-dir' });
}

describe('channel configuration', () => {
  it('names the key and the variable of a public key that is not 64 hex digits', () => {
    expect(loadWith({ GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: 'not-a-key' })).toThrow(
      /channels\.discord\.publicKey \(from GODWIT_CHANNELS__DISCORD__PUBLIC_KEY\): expected the 64 hex digits/,
    );
  });

  it('refuses a Slack signing secret without a bot token, naming the bot token key', () => {
    expect(loadWith({ GODWIT_CHANNELS__SLACK__SIGNING_SECRET: 'secret' })).toThrow(
      /channels\.slack\.botToken: a Slack signing secret needs a bot token/,
    );
  });

  it('refuses a bot token that is not a bot token', () => {
    expect(
      loadWith({
        GODWIT_CHANNELS__SLACK__SIGNING_SECRET: 'secret',
        GODWIT_CHANNELS__SLACK__BOT_TOKEN: 'xoxp-user',
      }),
    ).toThrow(/channels\.slack\.botToken.*xoxb-/);
  });

  it('refuses a server target naming an assistant that does not exist', () => {
    const config = configSchema.parse({
      channels: { discord: { publicKey: KEY, servers: { '123': { assistant: 'ghost' } } } },
    });
    expect(() => channelSettings(config)).toThrow(
      'channels.discord.servers.123.assistant: there is no assistant named "ghost". No assistant is configured.',
    );
  });

  it('turns a channel on only when its secret is set', () => {
    const off = channelSettings(configSchema.parse({}));
    expect(off).toEqual({ discord: null, slack: null });
    const on = channelSettings(configSchema.parse({ channels: { discord: { publicKey: KEY } } }));
    expect(on.discord?.tenant).toBe('default');
    expect(on.slack).toBeNull();
  });

  it('keeps a Discord id from the environment digit for digit', () => {
    const { config } = loadWith({
      GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: KEY,
      GODWIT_CHANNELS__DISCORD__APPLICATION_ID: '1234567890123456789',
    })();
    expect(config.channels.discord.applicationId).toBe('1234567890123456789');
    const short = loadWith({ GODWIT_CHANNELS__DISCORD__APPLICATION_ID: '4242' })();
    expect(short.config.channels.discord.applicationId).toBe('4242');
  });

  it('refuses a CORS origin with a path', () => {
    expect(loadWith({ GODWIT_SERVER__CORS__ALLOWED_ORIGINS: 'https://app.example.com/chat' })).toThrow(
      /server\.cors\.allowedOrigins\.0 \(from GODWIT_SERVER__CORS__ALLOWED_ORIGINS\): expected an origin/,
    );
  });

  it('answers 404 naming the keys to set when a channel is off', async () => {
    const services = await createTestServices();
    const app = createApp({ services, options: { logger: () => {} } });
    const discord = await app.request('/channels/discord/interactions', { method: 'POST', body: '{}' });
    expect(discord.status).toBe(404);
    expect((await discord.json()).error.message).toContain('GODWIT_CHANNELS__DISCORD__PUBLIC_KEY');
    const slack = await app.request('/channels/slack/events', { method: 'POST', body: '{}' });
    expect((await slack.json()).error.message).toContain('GODWIT_CHANNELS__SLACK__SIGNING_SECRET');
    await services.close();
  });

  it('takes the channel secrets from Secrets Manager through GODWIT_SECRET_ARNS', async () => {
    const arn = (name: string) =>
      `arn:aws:secretsmanager:eu-west-1:123456789012:secret:Godwit/${name}-AbCdEf`;
    const values: Record<string, string> = {
      [arn('GODWIT_CHANNELS__DISCORD__PUBLIC_KEY')]: KEY,
      [arn('GODWIT_CHANNELS__SLACK__SIGNING_SECRET')]: 'signing-secret',
      [arn('GODWIT_CHANNELS__SLACK__BOT_TOKEN')]: 'xoxb-from-secrets-manager',
    };
    // Speaks the Parameters and Secrets Lambda extension's API, as secret-environment.test.ts does.
    const extension = createServer((request, response) => {
      const secretId = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('secretId') ?? '';
      const value = values[secretId];
      if (!value) return void response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ SecretString: value }));
    });
    await new Promise<void>((resolve) => extension.listen(0, '127.0.0.1', resolve));
    try {
      const env = await resolveSecretEnvironment({
        AWS_SESSION_TOKEN: 'session',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((extension.address() as AddressInfo).port),
        GODWIT_SECRET_ARNS: JSON.stringify(
          Object.fromEntries(Object.keys(values).map((value) => [value.split('/')[1]?.slice(0, -7), value])),
        ),
      });
      const settings = channelSettings(loadConfig({ env, cwd: '/nonexistent-godwit-dir' }).config);
      expect(settings.discord?.publicKey).toBe(KEY);
      expect(settings.slack).toMatchObject({
        signingSecret: 'signing-secret',
        botToken: 'xoxb-from-secrets-manager',
      });
    } finally {
      extension.close();
    }
  });

  it('refuses to start a channel on Lambda without the worker queue', async () => {
    const logs: string[] = [];
    const app = createLambdaApp({
      env: { GODWIT_CHANNELS__DISCORD__PUBLIC_KEY: KEY },
      createServices: () => createTestServices(),
      writeLog: (line) => logs.push(line),
    });
    const response = await app.request('/healthz');
    expect(response.status).toBe(503);
    expect((await response.json()).error.message).toContain('channels.queueUrl');
  });
});
