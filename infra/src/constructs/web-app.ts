/**
 * The web app on AWS: web/dist in a private S3 bucket that only the CloudFront distribution reads (origin
 * access control), and the API on the same origin, so the app's relative URLs (`/api/…`, `/v1/…`) work
 * unchanged. Buffered routes go to the HTTP API, streamed ones (chat, completions) to the streaming
 * Function URL; Swagger UI's files for `/docs` come from the bucket, the page and `/openapi.json` from
 * the function. Paths that name no file get index.html (the app's own routes), never on API paths.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AccessLevel,
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  type IOrigin,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONTENT_SECURITY_POLICY } from '../../../src/server/middleware/security-headers.ts';
import {
  DOCS_ASSET_TYPES,
  DOCS_SCRIPT,
  DOCS_SCRIPT_FILE,
  swaggerUiDirectory,
} from '../../../src/server/routes/docs-routes.ts';

/** web/dist of this package, built by `npm run build`. */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Where Swagger UI's files live in the bucket (the /docs page loads `docs/assets/<file>`). */
export const DOCS_ASSETS_PREFIX = 'docs/assets/';

/** Which origin answers a path pattern: the bucket, the HTTP API (buffered) or the Function URL (streamed). */
export type WebAppOriginName = 'bucket' | 'api' | 'stream';

/**
 * Path patterns in the order CloudFront matches them (first match wins), each with its origin. Anything
 * else is the web app from the bucket.
 */
export const WEB_APP_ROUTES: readonly (readonly [string, WebAppOriginName])[] = [
  // Swagger UI's files: static, from the bucket (before /docs*, which is the function's page).
  [`/${DOCS_ASSETS_PREFIX}*`, 'bucket'],
  [`/assets/*`, 'bucket'],
  // Answers that stream (SSE) for minutes: the Function URL streams; API Gateway buffers and stops at 29 s.
  ['/api/chat', 'stream'],
  ['/api/ui/chat', 'stream'],
  ['/api/conversations/*/tool-approvals', 'stream'],
  ['/v1/chat/completions', 'stream'],
  ['/api/*', 'api'],
  ['/v1/*', 'api'],
  ['/mcp', 'api'],
  ['/channels/*', 'api'],
  ['/healthz', 'api'],
  ['/readyz', 'api'],
  ['/metrics', 'api'],
  ['/openapi.json', 'api'],
  ['/docs*', 'api'],
];

/**
 * The viewer-request function of the bucket's default behaviour: a path whose last segment has no
 * extension is one of the app's own routes (`/knowledge`, `/usage`) and gets index.html; a missing file
 * (`/assets/x.js`, `/robots.txt`) stays a 404. API paths never reach it (they have behaviours of their own).
 */
export const SPA_FALLBACK_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('/assets/') === 0) return request;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}
`;

/** Cache-Control of the files: hashed assets for a year; pages cached 60 s at the edge, revalidated by browsers. */
export const WEB_APP_CACHE_CONTROL = {
  hashed: 'public, max-age=31536000, immutable',
  docs: 'public, max-age=86400',
  pages: 'public, max-age=0, s-maxage=60, must-revalidate',
} as const;

export interface WebAppProps {
  /** The built web app (index.html, assets/). Default: web/dist of this package. */
  distDir?: string;
  httpApi: HttpApi;
  streamUrl: IFunctionUrl;
  /** Bucket that takes the distribution's and the web bucket's access logs. */
  accessLogs: IBucket;
  /** Origins the app may connect to besides its own: the documents bucket, for direct uploads. */
  connectOrigins: string[];
  domain: { name: string; certificateArn: string } | null;
  retainData: boolean;
}

export class WebApp extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://` and the custom domain, or the distribution's own domain name. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const distDir = props.distDir ?? DEFAULT_WEB_DIST;
    requireBuiltApp(distDir);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'web/',
      // Build output only: every file is uploaded again by the next deploy.
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retainData,
    });

    // LIST too, so a missing file is a 404 rather than S3's 403.
    const bucketOrigin = S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessLevels: [AccessLevel.READ, AccessLevel.LIST],
    });
    const apiOrigin = new HttpOrigin(Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    // Up to 60 s between two bytes of a streamed answer (CloudFront's highest without a quota increase).
    const streamOrigin = new FunctionUrlOrigin(props.streamUrl, { readTimeout: Duration.seconds(60) });

    const headers = this.responseHeaders(props.connectOrigins);
    const pagesCache = new CachePolicy(this, 'PagesCache', {
      comment: 'Godwit web app pages: 60 s at the edge unless the file says otherwise',
      defaultTtl: Duration.seconds(60),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.minutes(5),
      headerBehavior: CacheHeaderBehavior.none(),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const fallback = new EdgeFunction(this, 'SpaFallback', {
      comment: 'Godwit web app: app routes get index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(SPA_FALLBACK_FUNCTION),
    });

    const staticBehavior: BehaviorOptions = {
      origin: bucketOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
      compress: true,
    };
    const dynamic = (origin: IOrigin): BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      // Nothing of the API is cached; with caching off, every viewer header but Host (Authorization
      // included) reaches the origin, which needs its own Host.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
      compress: false,
    });
    const behaviors: Record<WebAppOriginName, BehaviorOptions> = {
      bucket: staticBehavior,
      api: dynamic(apiOrigin),
      stream: dynamic(streamOrigin),
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Godwit web app and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        ...staticBehavior,
        cachePolicy: pagesCache,
        functionAssociations: [{ function: fallback, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(
        WEB_APP_ROUTES.map(([pattern, origin]) => [pattern, behaviors[origin]]),
      ),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
          }
        : {}),
    });
    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;

    this.deploy(distDir);
  }

  /** The security headers the local server sends, plus HSTS (always HTTPS here) and direct-upload targets. */
  private responseHeaders(connectOrigins: string[]): ResponseHeadersPolicy {
    return new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Godwit: the security headers of the local server, and HSTS',
      securityHeadersBehavior: {
        // override false: a header the function set itself (the sandboxing CSP of an original) is kept.
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(connectOrigins),
          override: false,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: false },
      },
    });
  }

  /**
   * Three uploads, each with its Cache-Control: hashed assets (kept across deploys, so a page loaded
   * before a deploy still finds its scripts), Swagger UI's files, and the pages (old ones pruned).
   */
  private deploy(distDir: string): void {
    const common = { destinationBucket: this.bucket, memoryLimit: 512 };
    const assets = new BucketDeployment(this, 'DeployAssets', {
      ...common,
      sources: [Source.asset(distDir)],
      include: ['assets/*'],
      exclude: ['*'],
      prune: false,
      cacheControl: [CacheControl.fromString(WEB_APP_CACHE_CONTROL.hashed)],
    });
    const docs = new BucketDeployment(this, 'DeployDocsAssets', {
      ...common,
      sources: [Source.asset(stageDocsAssets())],
      destinationKeyPrefix: DOCS_ASSETS_PREFIX,
      prune: true,
      cacheControl: [CacheControl.fromString(WEB_APP_CACHE_CONTROL.docs)],
    });
    const pages = new BucketDeployment(this, 'DeployPages', {
      ...common,
      sources: [Source.asset(distDir)],
      exclude: ['assets/*', `${DOCS_ASSETS_PREFIX}*`],
      prune: true,
      cacheControl: [CacheControl.fromString(WEB_APP_CACHE_CONTROL.pages)],
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
    });
    // index.html names the new hashed files: they must be in the bucket before it is.
    pages.node.addDependency(assets, docs);
  }
}

function requireBuiltApp(distDir: string): void {
  if (!existsSync(join(distDir, 'index.html')) || !existsSync(join(distDir, 'assets'))) {
    throw new Error(
      `The web app is not built: ${join(distDir, 'index.html')} or its assets/ folder is missing. Run \`npm run build\` before synthesizing, or set \`webApp: false\` in godwit.deploy.yaml to deploy the API alone.`,
    );
  }
}

let stagedDocsAssets: string | undefined;

/**
 * Swagger UI's files and the page's script, in a folder of their own for upload under docs/assets/; made
 * once per process (CDK copies it into each assembly).
 */
function stageDocsAssets(): string {
  if (stagedDocsAssets) return stagedDocsAssets;
  let source: string;
  try {
    source = swaggerUiDirectory();
  } catch {
    throw new Error(
      'swagger-ui-dist is not installed, so /docs would have no Swagger UI: run `npm install` in the Godwit package before synthesizing.',
    );
  }
  const folder = join(mkdtempSync(join(tmpdir(), 'godwit-docs-assets-')), 'docs-assets');
  mkdirSync(folder);
  for (const file of Object.keys(DOCS_ASSET_TYPES)) cpSync(join(source, file), join(folder, file));
  writeFileSync(join(folder, DOCS_SCRIPT_FILE), DOCS_SCRIPT);
  stagedDocsAssets = folder;
  return folder;
}

/** The server's Content-Security-Policy as one header value, with `connectOrigins` added to connect-src. */
export function contentSecurityPolicy(connectOrigins: string[]): string {
  return Object.entries(CONTENT_SECURITY_POLICY)
    .map(([directive, values]) => {
      const name = directive.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
      const all = directive === 'connectSrc' ? [...values, ...connectOrigins] : values;
      return `${name} ${all.join(' ')}`;
    })
    .join('; ');
}

/** Files of a folder, relative to it, sorted. */
export function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .sort((left, right) => left.name.localeCompare(right.name))
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, path) : [path];
    });
}
