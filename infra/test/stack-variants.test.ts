import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { createGodwitApp } from '../src/app.ts';
import { parseDeploySettings } from '../src/settings.ts';
import { actionsOf, policyStatements, serverConfigOf, synthStack } from './synth-stack.ts';

describe('vector store and identity options', () => {
  it('OpenSearch Serverless: a vector collection with encryption, network and data access policies', () => {
    const { template } = synthStack({
      vectorStore: 'opensearch',
      auth: { cognito: true },
      retainData: false,
    });
    template.hasResourceProperties('AWS::OpenSearchServerless::Collection', { Type: 'VECTORSEARCH' });
    for (const type of ['encryption', 'network']) {
      template.hasResourceProperties('AWS::OpenSearchServerless::SecurityPolicy', { Type: type });
    }
    const access = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    // The data access policy names the three function roles.
    expect(JSON.stringify(access).match(/ApiRole|StreamRole|IngestRole/g)?.length).toBeGreaterThanOrEqual(3);
    const aoss = policyStatements(template).filter((statement) =>
      actionsOf(statement).includes('aoss:APIAccessAll'),
    );
    expect(aoss).toHaveLength(3);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    expect(serverConfigOf(template).storage.vectors).toBe('opensearch');
    // Cognito: a user pool whose tokens the server accepts.
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          GODWIT_AUTH__MODE: 'required',
          GODWIT_STORAGE__VECTORS: 'opensearch',
          GODWIT_STORAGE__OPENSEARCH__ENDPOINT: Match.anyValue(),
          GODWIT_AUTH__JWT__ISSUER: Match.anyValue(),
          GODWIT_AUTH__JWT__AUDIENCE: Match.anyValue(),
        }),
      },
    });
  }, 120_000);

  it('S3 Vectors: a vector bucket the server makes its indexes in; secrets through the extension', () => {
    const { template } = synthStack({
      vectorStore: 's3vectors',
      secrets: ['OPENAI_API_KEY'],
      domain: {
        name: 'chat.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      },
    });
    template.hasResourceProperties('AWS::S3Vectors::VectorBucket', {
      VectorBucketName: 'godwit-vectors',
      EncryptionConfiguration: { SseType: 'AES256' },
    });
    template.resourceCountIs('AWS::S3Vectors::Index', 0);
    expect(serverConfigOf(template).storage.s3vectors.bucket).toBe('godwit-vectors');
    const vectorActions = policyStatements(template)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('s3vectors:'));
    expect(vectorActions).not.toContain('s3vectors:*');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'Godwit/OPENAI_API_KEY' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GODWIT_SECRET_ARNS: Match.anyValue() }) },
      Layers: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'chat.example.com' });
  }, 120_000);
});

describe('containers (compute: fargate)', () => {
  it('runs the image on Fargate with Aurora PostgreSQL, encrypted Redis and WAF on the load balancer', () => {
    const { template } = synthStack({ compute: 'fargate', waf: true });
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          PortMappings: [Match.objectLike({ ContainerPort: 8787 })],
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DATABASE_PASSWORD' })]),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  }, 120_000);
});

describe('checks', () => {
  it('fails synth when a resource breaks an AWS Solutions rule without an acknowledgement', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'godwit-cdk-nag-'));
    try {
      const { app, stack } = createGodwitApp({
        settings: parseDeploySettings({}),
        outdir,
        context: { 'aws:cdk:bundling-stacks': [] },
      });
      new Bucket(stack, 'UnencryptedLogsNoTls');
      expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects settings that would deploy a broken server', () => {
    expect(() => parseDeploySettings({ auth: { jwtIssuer: 'https://issuer.example.com' } })).toThrow(
      /auth.jwtAudience must be set/,
    );
    expect(() => parseDeploySettings({ vectorStore: 'pinecone' })).toThrow(/vectorStore/);
    expect(() => parseDeploySettings({ models: { default: 'openai:gpt-4.1' } })).toThrow(
      /models.default: expected bedrock:/,
    );
  });
});
