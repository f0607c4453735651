/**
 * The web app on S3 + CloudFront as synthesized: origin access control, a bucket only the distribution
 * reads, the behaviour of each path (evaluated the way CloudFront matches path patterns), the app-route
 * fallback function run on real paths, cache and header policies, and the uploaded files themselves.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GodwitServices } from '../../src/core/services.ts';
import type { AppEnv } from '../../src/server/app-env.ts';
import { registerDocsRoutes } from '../../src/server/routes/docs-routes.ts';
import { createGodwitApp } from '../src/app.ts';
import { DEFAULT_WEB_DIST, listFiles } from '../src/constructs/web-app.ts';
import { parseDeploySettings } from '../src/settings.ts';
import { synthStack } from './synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
interface Behavior {
  PathPattern?: string;
  TargetOriginId: string;
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  ResponseHeadersPolicyId?: unknown;
  AllowedMethods?: string[];
  ViewerProtocolPolicy: string;
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}
interface DistributionConfig {
  Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; S3OriginConfig?: unknown }[];
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  CustomErrorResponses?: unknown;
  DefaultRootObject: string;
  Logging?: { Bucket: unknown; Prefix: string };
  Aliases?: string[];
  ViewerCertificate?: Record<string, unknown>;
}

// CloudFront's managed policies (their ids are fixed by AWS).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const workDir = mkdtempSync(join(tmpdir(), 'godwit-web-app-'));
let template: Template;
let json: { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
let distribution: DistributionConfig;

beforeAll(() => {
  const { app, stack } = createGodwitApp({
    settings: parseDeploySettings({}),
    outdir: workDir,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  app.synth();
  template = Template.fromStack(stack);
  json = template.toJSON() as typeof json;
  distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties
    .DistributionConfig as DistributionConfig;
}, 180_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function logicalId(type: string, matching: (id: string) => boolean = () => true): string {
  const ids = Object.entries(json.Resources)
    .filter(([id, resource]) => resource.Type === type && matching(id))
    .map(([id]) => id);
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
}

/** Which kind of origin an origin id names: the web bucket, the HTTP API or the streaming Function URL. */
function originKind(originId: string): 'bucket' | 'api' | 'stream' {
  const origin = distribution.Origins.find((candidate) => candidate.Id === originId)!;
  const domain = JSON.stringify(origin.DomainName);
  if (domain.includes(logicalId('AWS::S3::Bucket', (id) => id.startsWith('WebApp')))) return 'bucket';
  if (domain.includes(logicalId('AWS::ApiGatewayV2::Api'))) return 'api';
  if (domain.includes(logicalId('AWS::Lambda::Url'))) return 'stream';
  throw new Error(`origin ${originId} is none of the three: ${domain}`);
}

/** CloudFront path patterns: `*` is any run of characters, `?` one; case-sensitive; the whole path. */
function matchesPattern(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(path);
}

/** The behaviour CloudFront picks for a path: the first matching pattern in order, else the default. */
function behaviorFor(path: string): Behavior {
  return (
    distribution.CacheBehaviors.find((behavior) => matchesPattern(behavior.PathPattern!, path)) ??
    distribution.DefaultCacheBehavior
  );
}

/** The path the bucket is asked for, after the default behaviour's viewer-request function. */
function rewritten(path: string): string {
  const behavior = behaviorFor(path);
  const association = behavior.FunctionAssociations?.find((item) => item.EventType === 'viewer-request');
  if (!association) return path;
  const functionId = (association.FunctionARN as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const code = json.Resources[functionId]!.Properties.FunctionCode as string;
  const event = { request: { uri: path, method: 'GET', headers: {}, querystring: {} } };
  return (runInNewContext(`${code}\nhandler(event)`, { event }) as { uri: string }).uri;
}

describe('the web app distribution', () => {
  it('reads the bucket through origin access control, and only the distribution may read it', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
    const bucketOrigin = distribution.Origins.find((origin) => originKind(origin.Id) === 'bucket')!;
    expect(bucketOrigin.OriginAccessControlId).toEqual({
      'Fn::GetAtt': [logicalId('AWS::CloudFront::OriginAccessControl'), 'Id'],
    });
    expect(bucketOrigin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(template.findResources('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual({});

    const bucket = logicalId('AWS::S3::Bucket', (id) => id.startsWith('WebApp'));
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policies = Object.values(json.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(resource.Properties.Bucket).includes(bucket),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: ['s3:GetObject', 's3:ListBucket'],
    });
    expect(allows[0]!.Condition).toHaveProperty(['StringEquals', 'AWS:SourceArn']);
    expect(JSON.stringify(allows[0]!.Condition)).toContain(logicalId('AWS::CloudFront::Distribution'));
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({ Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    ]);
  });

  const routes: [string, 'bucket' | 'api' | 'stream'][] = [
    ['/', 'bucket'],
    ['/knowledge', 'bucket'],
    ['/usage', 'bucket'],
    ['/assets/index-C4_2PW0L.js', 'bucket'],
    ['/favicon.svg', 'bucket'],
    ['/docs/assets/swagger-ui-bundle.js', 'bucket'],
    ['/docs/assets/godwit-docs.js', 'bucket'],
    ['/docs', 'api'],
    ['/openapi.json', 'api'],
    ['/healthz', 'api'],
    ['/readyz', 'api'],
    ['/metrics', 'api'],
    ['/mcp', 'api'],
    ['/channels/slack/events', 'api'],
    ['/channels/discord/interactions', 'api'],
    ['/api/knowledge-bases', 'api'],
    ['/api/knowledge-bases/policies/uploads', 'api'],
    ['/api/conversations/c1', 'api'],
    ['/api/search', 'api'],
    ['/v1/models', 'api'],
    ['/v1/embeddings', 'api'],
    ['/api/chat', 'stream'],
    ['/api/ui/chat', 'stream'],
    ['/api/conversations/c1/tool-approvals', 'stream'],
    ['/v1/chat/completions', 'stream'],
  ];
  it.each(routes)('sends %s to the %s origin', (path, kind) => {
    expect(originKind(behaviorFor(path).TargetOriginId)).toBe(kind);
  });

  it('sends every path the web app calls to the API, on the same origin', () => {
    const sources = listFiles(join(DEFAULT_WEB_DIST, '../src')).filter(
      (file) => /\.tsx?$/.test(file) && !file.includes('.test.'),
    );
    const paths = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(join(DEFAULT_WEB_DIST, '../src', file), 'utf8');
      for (const match of text.matchAll(/['`](\/(?:api|v1|readyz|healthz)[^'`?$]*)/g)) paths.add(match[1]!);
    }
    expect(paths.size).toBeGreaterThan(5);
    for (const path of paths) {
      // The app calls its own origin: no absolute URL, so CloudFront's behaviours decide.
      expect(['api', 'stream'], path).toContain(originKind(behaviorFor(path).TargetOriginId));
    }
    expect(originKind(behaviorFor('/api/ui/chat').TargetOriginId)).toBe('stream');
  });

  it("gives the app's own routes index.html, never an API path, and keeps a missing file a 404", () => {
    expect(distribution.CustomErrorResponses).toBeUndefined();
    expect(distribution.DefaultRootObject).toBe('index.html');
    expect(rewritten('/')).toBe('/index.html');
    expect(rewritten('/knowledge')).toBe('/index.html');
    expect(rewritten('/chat/c1')).toBe('/index.html');
    expect(rewritten('/favicon.svg')).toBe('/favicon.svg');
    expect(rewritten('/assets/index-C4_2PW0L.js')).toBe('/assets/index-C4_2PW0L.js');
    expect(rewritten('/assets/gone')).toBe('/assets/gone');
    expect(rewritten('/api/knowledge-bases')).toBe('/api/knowledge-bases');
    expect(rewritten('/v1/models')).toBe('/v1/models');
    expect(rewritten('/docs')).toBe('/docs');
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      AutoPublish: true,
    });
  });

  it('caches nothing of the API, hashed assets long, pages briefly', () => {
    for (const path of ['/api/knowledge-bases', '/api/chat', '/v1/models', '/docs', '/healthz']) {
      const behavior = behaviorFor(path);
      expect(behavior.CachePolicyId, path).toBe(CACHING_DISABLED);
      expect(behavior.OriginRequestPolicyId, path).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
      expect(behavior.AllowedMethods, path).toContain('POST');
      expect(behavior.AllowedMethods, path).toContain('DELETE');
    }
    expect(behaviorFor('/assets/index-C4_2PW0L.js').CachePolicyId).toBe(CACHING_OPTIMIZED);
    expect(behaviorFor('/docs/assets/swagger-ui.css').CachePolicyId).toBe(CACHING_OPTIMIZED);
    const pages = behaviorFor('/knowledge').CachePolicyId as { Ref: string };
    expect(json.Resources[pages.Ref]!.Properties.CachePolicyConfig).toMatchObject({
      DefaultTTL: 60,
      MinTTL: 0,
      MaxTTL: 300,
    });
    expect(behaviorFor('/knowledge').AllowedMethods).toEqual(['GET', 'HEAD']);
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (resource) => resource.Properties as { Include?: string[]; SystemMetadata?: Record<string, string> },
    );
    // Hashed assets are never pruned (a page loaded before a deploy still finds its files); pages are.
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Include: ['assets/*'],
      Exclude: ['*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Exclude: ['assets/*', 'docs/assets/*'],
      Prune: true,
      DistributionPaths: ['/index.html'],
      SystemMetadata: { 'cache-control': 'public, max-age=0, s-maxage=60, must-revalidate' },
    });
    const pagesUpload = Object.entries(json.Resources).find(
      ([, resource]) =>
        resource.Type === 'Custom::CDKBucketDeployment' &&
        (resource.Properties.DistributionPaths as string[] | undefined)?.[0] === '/index.html',
    )!;
    const dependsOn = (json.Resources[pagesUpload[0]] as unknown as { DependsOn: string[] }).DependsOn;
    const otherUploads = Object.entries(json.Resources)
      .filter(([id, resource]) => resource.Type === 'Custom::CDKBucketDeployment' && id !== pagesUpload[0])
      .map(([id]) => id);
    expect(dependsOn).toEqual(expect.arrayContaining(otherUploads));
    expect(deployments.map((deployment) => deployment.SystemMetadata?.['cache-control']).sort()).toEqual([
      'public, max-age=0, s-maxage=60, must-revalidate',
      'public, max-age=31536000, immutable',
      'public, max-age=86400',
    ]);
  });

  it('sends the security headers, with HSTS, everywhere over HTTPS', () => {
    const policyId = logicalId('AWS::CloudFront::ResponseHeadersPolicy');
    for (const [path] of routes) {
      const behavior = behaviorFor(path);
      expect(behavior.ResponseHeadersPolicyId, path).toEqual({ Ref: policyId });
      expect(behavior.ViewerProtocolPolicy, path).toBe('redirect-to-https');
    }
    const config = json.Resources[policyId]!.Properties.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Record<string, unknown>>;
    };
    const headers = config.SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000 });
    expect(headers.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(headers.ContentTypeOptions).toMatchObject({ Override: true });
    const csp = JSON.stringify(headers.ContentSecurityPolicy!.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Direct uploads PUT to the documents bucket from the page.
    expect(csp).toMatch(
      /connect-src 'self' https:\/\/",\{"Fn::GetAtt":\["DataDocuments[0-9A-F]+","RegionalDomainName"\]\}/,
    );
  });

  it('logs requests to the access-log bucket and says where the app is', () => {
    expect(JSON.stringify(distribution.Logging?.Bucket)).toContain('DataAccessLogs');
    expect(distribution.Logging?.Prefix).toBe('cloudfront/');
    expect(json.Outputs.WebAppUrl!.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [logicalId('AWS::CloudFront::Distribution'), 'DomainName'] }],
      ],
    });
  });

  it('uploads exactly web/dist, and the Swagger UI files the /docs page loads', async () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (resource) =>
        resource.Properties as { SourceObjectKeys: string[]; DestinationBucketKeyPrefix?: string },
    );
    const assetFolder = (deployment: { SourceObjectKeys: string[] }) => {
      const hash = deployment.SourceObjectKeys[0]!.replace(/\.zip$/, '');
      const folder = join(workDir, `asset.${hash}`);
      expect(existsSync(folder), folder).toBe(true);
      return folder;
    };
    const distFiles = listFiles(DEFAULT_WEB_DIST);
    expect(distFiles).toContain('index.html');
    expect(distFiles.some((file) => /^assets\/.+\.js$/.test(file))).toBe(true);
    const fromDist = deployments.filter((deployment) => !deployment.DestinationBucketKeyPrefix);
    expect(fromDist).toHaveLength(2);
    for (const deployment of fromDist) expect(listFiles(assetFolder(deployment))).toEqual(distFiles);
    // The uploaded index.html names the hashed files uploaded beside it.
    const index = readFileSync(join(assetFolder(fromDist[0]!), 'index.html'), 'utf8');
    for (const [, asset] of index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g))
      expect(distFiles).toContain(asset);

    const docs = deployments.filter((deployment) => deployment.DestinationBucketKeyPrefix === 'docs/assets/');
    expect(docs).toHaveLength(1);
    const uploaded = readdirSync(assetFolder(docs[0]!));
    const app = new OpenAPIHono<AppEnv>();
    registerDocsRoutes(app as never, { version: 'test' } as GodwitServices);
    const page = await (await app.request('/docs')).text();
    const loaded = [...page.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(loaded.length).toBeGreaterThanOrEqual(4);
    for (const path of loaded) {
      expect(uploaded).toContain(path.slice('docs/assets/'.length));
      expect(originKind(behaviorFor(`/${path}`).TargetOriginId), path).toBe('bucket');
    }
    const script = readFileSync(join(assetFolder(docs[0]!), 'godwit-docs.js'), 'utf8');
    expect(script).toBe(await (await app.request('/docs/assets/godwit-docs.js')).text());
  });
});

describe('web app settings', () => {
  it('leaves the web app out with webApp: false', () => {
    const { template: without } = synthStack({ webApp: false });
    expect(without.findResources('AWS::CloudFront::Distribution')).toEqual({});
    expect(without.findResources('Custom::CDKBucketDeployment')).toEqual({});
    expect(Object.keys(without.toJSON().Outputs)).not.toContain('WebAppUrl');
    expect(Object.keys(without.toJSON().Outputs)).toContain('ApiUrl');
  }, 120_000);

  it('serves a custom domain with its certificate and TLS 1.2, and names the DNS target', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    const { template: custom } = synthStack({
      webApp: { domain: { name: 'chat.example.com', certificateArn } },
    });
    custom.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['chat.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: certificateArn,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    const outputs = custom.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.WebAppUrl!.Value).toBe('https://chat.example.com');
    expect(JSON.stringify(outputs.WebAppDomainTarget!.Value)).toContain('DomainName');
  }, 120_000);

  it('refuses a certificate outside us-east-1, naming the key and why', () => {
    expect(() =>
      parseDeploySettings({
        webApp: {
          domain: {
            name: 'chat.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
          },
        },
      }),
    ).toThrow(/webApp\.domain\.certificateArn: expected an ACM certificate ARN in us-east-1/);
    expect(parseDeploySettings({ webApp: true }).webApp).toEqual({ enabled: true, domain: null });
    expect(parseDeploySettings({}).webApp).toEqual({ enabled: true, domain: null });
  });

  it('says to build the web app when web/dist is missing', async () => {
    const { WebApp } = await import('../src/constructs/web-app.ts');
    const { Stack } = await import('aws-cdk-lib');
    const { HttpApi } = await import('aws-cdk-lib/aws-apigatewayv2');
    const stack = new Stack();
    expect(
      () =>
        new WebApp(stack, 'WebApp', {
          distDir: join(workDir, 'no-such-dist'),
          httpApi: new HttpApi(stack, 'Api'),
          streamUrl: {} as never,
          accessLogs: {} as never,
          connectOrigins: [],
          domain: null,
          retainData: true,
        }),
    ).toThrow(/The web app is not built: .*Run `npm run build`.*or set `webApp: false`/);
  });
});
