/** The stack with Discord and Slack channels and CORS: routes, the channel queue, secrets, CORS on both front doors. */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelSettings } from '../../src/config/create-channels.ts';
import { parseDeploySettings } from '../src/settings.ts';
import {
  actionsOf,
  policyStatements,
  type SynthesizedStack,
  serverConfigOf,
  synthStack,
} from './synth-stack.ts';

const PUBLIC_KEY = 'ab'.repeat(32);
const FRONT_END = 'https://app.example.com';
let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthStack({
    channels: { discord: { publicKey: PUBLIC_KEY, applicationId: '4242' }, slack: true },
    cors: { allowedOrigins: [FRONT_END] },
  });
}, 180_000);

describe('stack with channels and CORS', () => {
  it('passes cdk-nag AWS Solutions checks', () => {
    expect(synthesized.stack.stackName).toBe('Godwit');
  });

  it('routes both channel endpoints to the API function and outputs their URLs', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /channels/discord/interactions',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /channels/slack/events' });
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['DiscordEndpointUrl', 'SlackEndpointUrl']));
  });

  it('queues channel jobs for the worker: an encrypted queue with a dead-letter queue, read one at a time', () => {
    const { template } = synthesized;
    const queues = template.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) },
    });
    expect(Object.keys(queues).some((id) => id.startsWith('ChannelQueue'))).toBe(true);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChannelQueue'), 'Arn'] },
    });
    const senders = policyStatements(template).filter((statement) =>
      actionsOf(statement).includes('sqs:SendMessage'),
    );
    expect(senders.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the Slack signing secret and bot token in Secrets Manager, listed in GODWIT_SECRET_ARNS', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'Godwit/GODWIT_CHANNELS__SLACK__SIGNING_SECRET',
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'Godwit/GODWIT_CHANNELS__SLACK__BOT_TOKEN',
    });
    const json = JSON.stringify(template.toJSON());
    expect(json).toContain('GODWIT_SECRET_ARNS');
    expect(json).toContain('\\"GODWIT_CHANNELS__SLACK__BOT_TOKEN\\"');
  });

  it('gives the functions an environment that turns Discord on with the queue', () => {
    const config = serverConfigOf(synthesized.template);
    expect(config.channels.discord).toMatchObject({ publicKey: PUBLIC_KEY, applicationId: '4242' });
    expect(config.channels.queueUrl).toMatch(/^https:\/\/sqs\./);
    expect(config.server.cors.allowedOrigins).toEqual([FRONT_END]);
    expect(channelSettings(config).discord?.publicKey).toBe(PUBLIC_KEY);
  });

  it('answers preflights for the allowed origin on the HTTP API and on the Function URL', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [FRONT_END], AllowMethods: ['*'] }),
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      Cors: Match.objectLike({ AllowOrigins: [FRONT_END], AllowMethods: ['*'] }),
    });
  });

  it('refuses a Discord public key that is not 64 hex digits', () => {
    expect(() => parseDeploySettings({ channels: { discord: { publicKey: 'nope' } } })).toThrow(
      /channels\.discord\.publicKey: expected the 64 hex digits/,
    );
  });
});
