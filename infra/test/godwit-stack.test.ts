import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { resolveSecretEnvironment } from '../../src/runtime/lambda/secret-environment.ts';
import {
  actionsOf,
  policyStatements,
  type SynthesizedStack,
  serverConfigOf,
  synthStack,
  templateEnvironmentOf,
} from './synth-stack.ts';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthStack();
}, 180_000);

describe('default stack (Lambda, Aurora Serverless v2 vectors)', () => {
  it('passes cdk-nag AWS Solutions checks (synth throws on an unacknowledged finding)', () => {
    expect(synthesized.template.toJSON().Resources).toBeDefined();
  });

  it('builds the DynamoDB table the server expects: on demand, PITR, TTL, encrypted', () => {
    synthesized.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'godwit-data',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it('keeps documents in an encrypted, versioned, private bucket reachable over TLS only', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
      // Direct uploads from the web app: a presigned PUT, whatever page origin sends it.
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedMethods: ['PUT'], AllowedOrigins: ['*'], ExposedHeaders: ['ETag'] }),
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs the functions on Node.js 24, arm64, with X-Ray tracing', () => {
    const functions = synthesized.template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^Godwit') },
    });
    const handlers = Object.values(functions).map(
      (fn) => (fn as { Properties: Record<string, unknown> }).Properties,
    );
    expect(handlers.map((fn) => fn.Handler).sort()).toEqual([
      'index.handler',
      'index.handler',
      'index.streamHandler',
    ]);
    for (const fn of handlers) {
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('streams through a Function URL and buffers through the HTTP API', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'RESPONSE_STREAM', AuthType: 'NONE' });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
  });

  it('allows Bedrock only for the configured models, never with a wildcard action', () => {
    const bedrock = policyStatements(synthesized.template).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('bedrock:')),
    );
    expect(bedrock.length).toBeGreaterThan(0);
    for (const statement of bedrock) {
      expect(actionsOf(statement).sort()).toEqual([
        'bedrock:InvokeModel',
        'bedrock:InvokeModelWithResponseStream',
      ]);
      const resources = JSON.stringify(statement.Resource);
      expect(resources).not.toBe('"*"');
      expect(resources).toMatch(/foundation-model\/|inference-profile\//);
    }
    const serialized = JSON.stringify(bedrock);
    expect(serialized).toContain('inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(serialized).toContain('foundation-model/amazon.titan-embed-text-v2:0');
    // The cross-region model grant holds only through the profile.
    const crossRegion = bedrock.find((statement) =>
      JSON.stringify(statement.Resource).includes('bedrock:*::'),
    );
    expect(crossRegion?.Condition).toMatchObject({
      StringEquals: { 'bedrock:InferenceProfileArn': expect.anything() },
    });
    expect(JSON.stringify(crossRegion?.Resource)).toContain(
      'foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
    );
  });

  it('ingests uploads through SQS with partial batch failures and a dead-letter queue', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
      VisibilityTimeout: 1800,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
          }),
        ],
      },
    });
  });

  it('alarms on error rate, p99 latency, throttles, dead letters and daily model cost', () => {
    const alarms = Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => (alarm as { Properties: { AlarmDescription: string; AlarmActions: unknown[] } }).Properties,
    );
    const descriptions = alarms.map((alarm) => alarm.AlarmDescription).join('\n');
    for (const name of ['api', 'stream', 'ingest']) {
      expect(descriptions).toContain(`${name}: more than 5% of invocations failed`);
      expect(descriptions).toContain(`${name}: p99 duration above`);
      expect(descriptions).toContain(`${name}: invocations were throttled`);
    }
    expect(descriptions).toContain('dead-letter queue');
    expect(descriptions).toContain('Model spend recorded by Godwit passed 20 USD in one day');
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    synthesized.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    synthesized.template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 100, Unit: 'USD' } },
    });
  });

  it('creates Aurora Serverless v2 that scales to 0 ACU with the Data API on', () => {
    synthesized.template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4 },
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
    });
    expect(JSON.stringify(policyStatements(synthesized.template))).toContain('rds-data:ExecuteStatement');
  });

  it('starts from the template environment without reading any secret (the Data API ARN is a plain value)', async () => {
    const env = templateEnvironmentOf(synthesized.template);
    expect(env.GODWIT_DATABASE__DATA_API__SECRET_ARN).toMatch(/^arn:/);
    const refuse = (() => Promise.reject(new Error('no secret should be read'))) as typeof fetch;
    const started = await resolveSecretEnvironment(env, refuse);
    expect(started).toEqual(env);
    expect(loadConfig({ env: started, cwd: '/tmp' }).config.database.dataApi?.secretArn).toBe(
      env.GODWIT_DATABASE__DATA_API__SECRET_ARN,
    );
  });

  it('gives the functions an environment the server configuration accepts', () => {
    const config = serverConfigOf(synthesized.template);
    expect(config.auth.mode).toBe('required');
    expect(config.storage).toMatchObject({
      conversations: 'dynamodb',
      blobs: 's3',
      vectors: 'postgres',
      dynamodb: { tablePrefix: 'godwit-' },
    });
    expect(config.database.dataApi).toMatchObject({
      database: 'godwit',
      resourceArn: expect.stringMatching(/^arn:/),
    });
    expect(config.models.default).toBe('bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(config.dataDir).toBe('/tmp/godwit');
  });
});
