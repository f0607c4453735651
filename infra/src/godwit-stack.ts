/**
 * The Godwit stack: the server on Lambda (API Gateway HTTP API, plus a Function URL that streams),
 * DynamoDB, S3, the chosen vector store, S3 → SQS → Lambda ingestion, Bedrock access limited to the
 * configured models, secrets, alarms, a dashboard and a budget, and the web app on S3 behind CloudFront
 * with the API on the same origin. `compute: fargate` adds the container
 * service (ECS Fargate, Aurora PostgreSQL, ElastiCache Redis) instead of the functions.
 */
import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import {
  HttpMethod as ApiMethod,
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AccountRecovery, FeaturePlan, Mfa, UserPool } from 'aws-cdk-lib/aws-cognito';
import { FunctionUrlAuthType, HttpMethod, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { bedrockStatements } from './bedrock-access.ts';
import { bedrockServiceStatements, readGodwitConfig } from './bedrock-service-access.ts';
import { ContainerService } from './constructs/container-service.ts';
import { DataStores } from './constructs/data-stores.ts';
import { GodwitFunction } from './constructs/godwit-function.ts';
import { ManagedAgents } from './constructs/managed-agents.ts';
import { Observability } from './constructs/observability.ts';
import { VectorStore } from './constructs/vector-store.ts';
import { WebApp } from './constructs/web-app.ts';
import { documentAccess } from './document-access.ts';
import { checkFallbackModels, lambdaToolStatements, readServerConfig } from './server-config.ts';
import { type ServerResources, serverEnvironment } from './server-environment.ts';
import { type DeploySettings, hasChannels, secretVariables } from './settings.ts';

export interface GodwitStackProps extends StackProps {
  settings: DeploySettings;
}

/** Uploads under this prefix are ingested: incoming/<tenant>/<knowledge-base>/<file>. */
export const UPLOAD_PREFIX = 'incoming/';

/** Seconds an ingest invocation may run; the queue hides a message 6 times longer (AWS guidance). */
const INGEST_TIMEOUT = Duration.minutes(5);

/** The same request and response headers the server's own CORS middleware allows (src/server/middleware/cors.ts). */
const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  'x-request-id',
  'last-event-id',
] as const;
const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'x-vercel-ai-ui-message-stream',
  'content-disposition',
] as const;

export class GodwitStack extends Stack {
  readonly data: DataStores;
  /** The web app on S3 + CloudFront (compute: lambda, unless webApp: false). */
  webApp: WebApp | undefined;

  constructor(scope: Construct, id: string, props: GodwitStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const tablePrefix = `${this.stackName.toLowerCase()}-`;
    this.data = new DataStores(this, 'Data', { retainData: settings.retainData, tablePrefix });
    const secretNames = secretVariables(settings);
    const secrets = Object.fromEntries(
      secretNames.map((variable) => [
        variable,
        new Secret(this, `Secret${variable}`, {
          secretName: `${this.stackName}/${variable}`,
          description: `Godwit: ${variable}. Set its value after the first deploy (docs/DEPLOYMENT.md).`,
          // A placeholder the configuration accepts (a random value would fail its xoxb- check and stop the
          // server): Slack refuses it until the real token is put.
          ...(variable === 'GODWIT_CHANNELS__SLACK__BOT_TOKEN'
            ? { secretStringValue: SecretValue.unsafePlainText('xoxb-set-after-deploy') }
            : {}),
        }),
      ]),
    );
    new CfnOutput(this, 'TableName', {
      value: this.data.table.tableName,
      description: 'DynamoDB table (conversations, usage, audit and API keys on the Lambda profile)',
    });
    new CfnOutput(this, 'DocumentsBucketName', {
      value: this.data.documents.bucketName,
      description: `Upload files to s3://BUCKET/${UPLOAD_PREFIX}<tenant>/<knowledge-base>/ to ingest them`,
    });
    const jwt = this.identity(settings);
    const managed =
      settings.managedAgents.assistants.length > 0
        ? new ManagedAgents(this, 'ManagedAgents', {
            stackName: this.stackName,
            configPath: settings.managedAgents.config,
            assistants: settings.managedAgents.assistants,
            defaultModel: settings.models.default,
          })
        : undefined;
    if (settings.config !== null && settings.compute !== 'fargate') {
      throw new Error(
        `config (${settings.config}) is carried into the server on compute: fargate only. On compute: lambda, configure the server through GODWIT_* variables (docs/CONFIGURATION.md), or set compute: fargate.`,
      );
    }
    const serverConfig = settings.config === null ? null : readServerConfig(settings.config);
    // The server may call exactly the agents, knowledge bases and guardrails its config names: the config it
    // runs with when the stack carries one, else managedAgents.config.
    const services = bedrockServiceStatements(
      serverConfig?.config ?? readGodwitConfig(settings.managedAgents.config),
      managed?.aliasArns ?? [],
    );
    const modelNames = [
      settings.models.default,
      ...settings.models.fallback,
      settings.models.embedding,
    ].filter((name): name is string => name !== null);

    if (serverConfig && settings.models.fallback.length === 0) checkFallbackModels(serverConfig, modelNames);

    if (settings.compute === 'fargate') {
      const containers = new ContainerService(this, 'Containers', {
        settings,
        documents: this.data.documents,
        accessLogs: this.data.accessLogs,
        bedrock: [...bedrockStatements(modelNames), ...services],
        // The tools.lambda functions of the carried config, each by its ARN.
        tools: lambdaToolStatements(serverConfig?.config ?? null),
        configFiles: serverConfig?.files ?? null,
        secrets,
        jwt,
      });
      new CfnOutput(this, 'ServiceUrl', {
        value: `${settings.domain ? 'https' : 'http'}://${containers.service.loadBalancer.loadBalancerDnsName}`,
        description: 'Load balancer in front of the containers',
      });
      return;
    }

    const vectors = new VectorStore(this, 'Vectors', {
      kind: settings.vectorStore,
      retainData: settings.retainData,
    });
    const resources: ServerResources = {
      vectorStore: { kind: settings.vectorStore, ...vectors.location },
      tablePrefix,
      documentsBucket: this.data.documents.bucketName,
      jwt,
      secretArns: Object.fromEntries(
        Object.entries(secrets).map(([name, secret]) => [name, secret.secretArn]),
      ),
    };

    const functions = {
      api: (environment: Record<string, string>) =>
        new GodwitFunction(this, 'Api', {
          bundle: 'api',
          exportName: 'handler',
          description: 'Godwit HTTP API behind API Gateway (buffered responses)',
          memorySize: 1024,
          timeout: Duration.seconds(29),
          environment,
          readsSecrets: secretNames.length > 0,
        }),
      stream: (environment: Record<string, string>) =>
        new GodwitFunction(this, 'Stream', {
          bundle: 'api',
          exportName: 'streamHandler',
          description: 'Godwit HTTP API on a Function URL (streamed responses: SSE chat and completions)',
          memorySize: 1024,
          timeout: Duration.minutes(5),
          environment,
          readsSecrets: secretNames.length > 0,
        }),
      ingest: (environment: Record<string, string>) =>
        new GodwitFunction(this, 'Ingest', {
          bundle: 'ingest',
          exportName: 'handler',
          description: 'Godwit ingestion: S3 uploads via SQS into the knowledge store',
          memorySize: 2048,
          timeout: INGEST_TIMEOUT,
          environment,
          readsSecrets: secretNames.length > 0,
        }),
    };
    const environment = serverEnvironment(settings, resources, (value) => this.toJsonString(value));
    const api = functions.api(environment);
    const stream = functions.stream(environment);
    const ingest = functions.ingest(environment);
    const all = [api, stream, ingest];
    // OpenSearch's data access policy names the roles, which exist only now.
    vectors.setPrincipals(all.map((fn) => fn.role.roleArn));

    for (const fn of all) {
      this.data.table.grantReadWriteData(fn.role);
      for (const statement of documentAccess(this.data.documents.bucketArn))
        fn.role.addToPrincipalPolicy(statement);
      vectors.grantReadWrite(fn.role);
      for (const statement of bedrockStatements(modelNames)) fn.role.addToPrincipalPolicy(statement);
      for (const secret of Object.values(secrets)) secret.grantRead(fn.role);
      if (fn !== ingest) for (const statement of services) fn.role.addToPrincipalPolicy(statement);
    }

    const httpApi = this.httpApi(settings, api);
    const { allowedOrigins } = settings.cors;
    const url = stream.function.addFunctionUrl({
      // The app authenticates every request itself (API keys and OIDC JWTs): IAM auth would need SigV4
      // signing in every client.
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.RESPONSE_STREAM,
      // The Function URL answers preflights itself and sets the CORS headers of every response.
      ...(allowedOrigins.length > 0
        ? {
            cors: {
              allowedOrigins,
              allowedMethods: [HttpMethod.ALL],
              allowedHeaders: [...CORS_ALLOWED_HEADERS],
              exposedHeaders: [...CORS_EXPOSED_HEADERS],
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
    });

    const deadLetters = new Queue(this, 'IngestDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });
    this.data.documents.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(queue), {
      prefix: UPLOAD_PREFIX,
    });
    ingest.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 5,
        maxBatchingWindow: Duration.seconds(10),
        reportBatchItemFailures: true,
        // Bounds parallel ingestion so embedding calls stay inside Bedrock's quotas.
        maxConcurrency: 5,
      }),
    );

    if (hasChannels(settings)) this.channelQueue(settings, { api, stream, ingest }, deadLetters, httpApi);

    const observability = new Observability(this, 'Observability', {
      functions: { api: api.function, stream: stream.function, ingest: ingest.function },
      deadLetterQueue: deadLetters,
      email: settings.alarms.email,
      dailyCostUsd: settings.alarms.dailyCostUsd,
      p99LatencyMs: settings.alarms.p99LatencyMs,
      errorRatePercent: settings.alarms.errorRatePercent,
      monthlyBudgetUsd: settings.budget.monthlyUsd,
      budgetEmail: settings.budget.email ?? settings.alarms.email,
    });

    if (settings.webApp.enabled) {
      this.webApp = new WebApp(this, 'WebApp', {
        httpApi,
        streamUrl: url,
        accessLogs: this.data.accessLogs,
        connectOrigins: [`https://${this.data.documents.bucketRegionalDomainName}`],
        domain: settings.webApp.domain,
        retainData: settings.retainData,
      });
      new CfnOutput(this, 'WebAppUrl', {
        value: this.webApp.url,
        description: 'The web app, with the API on the same origin (/api, /v1, /docs)',
      });
      if (settings.webApp.domain) {
        new CfnOutput(this, 'WebAppDomainTarget', {
          value: this.webApp.distribution.distributionDomainName,
          description: `Point ${settings.webApp.domain.name} here (CNAME, or a Route 53 alias)`,
        });
      }
    }

    new CfnOutput(this, 'ApiUrl', {
      value: httpApi.apiEndpoint,
      description: 'HTTP API (buffered responses)',
    });
    new CfnOutput(this, 'StreamUrl', { value: url.url, description: 'Function URL (streamed responses)' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'DashboardName', { value: observability.dashboard.dashboardName });
    for (const [key, value] of Object.entries(vectors.location)) {
      if (value) new CfnOutput(this, `Vectors${key[0]!.toUpperCase()}${key.slice(1)}`, { value });
    }
  }

  /** Cognito (when asked) or an external OIDC issuer; null when only API keys are accepted. */
  private identity(settings: DeploySettings): ServerResources['jwt'] {
    if (settings.auth.cognito) {
      const pool = new UserPool(this, 'Users', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        mfa: Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: {
          minLength: 12,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
        },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        featurePlan: FeaturePlan.PLUS,
      });
      const client = pool.addClient('Web', { authFlows: { userSrp: true }, generateSecret: false });
      new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
      return {
        issuer: `https://cognito-idp.${this.region}.amazonaws.com/${pool.userPoolId}`,
        audience: client.userPoolClientId,
      };
    }
    return settings.auth.jwtIssuer
      ? { issuer: settings.auth.jwtIssuer, audience: settings.auth.jwtAudience }
      : null;
  }

  /**
   * Channel jobs: the API functions acknowledge Discord and Slack at once and queue the work; the worker
   * (the ingest function, which knows both message kinds) answers. A queue of its own, read one message at a
   * time without a batching window, so no question waits behind uploads.
   */
  private channelQueue(
    settings: DeploySettings,
    functions: { api: GodwitFunction; stream: GodwitFunction; ingest: GodwitFunction },
    deadLetters: Queue,
    httpApi: HttpApi,
  ): void {
    const queue = new Queue(this, 'ChannelQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });
    for (const fn of [functions.api, functions.stream]) {
      fn.function.addEnvironment('GODWIT_CHANNELS__QUEUE_URL', queue.queueUrl);
      queue.grantSendMessages(fn.function);
    }
    // The worker reads channel settings too (to post answers), and never sends.
    functions.ingest.function.addEnvironment('GODWIT_CHANNELS__QUEUE_URL', queue.queueUrl);
    functions.ingest.function.addEventSource(
      new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    const integration = new HttpLambdaIntegration('Channels', functions.api.function);
    const endpoints = [
      ...(settings.channels.discord ? [['Discord', '/channels/discord/interactions'] as const] : []),
      ...(settings.channels.slack ? [['Slack', '/channels/slack/events'] as const] : []),
    ];
    for (const [name, path] of endpoints) {
      httpApi.addRoutes({ path, methods: [ApiMethod.POST], integration });
      new CfnOutput(this, `${name}EndpointUrl`, {
        value: `${httpApi.apiEndpoint}${path}`,
        description: `${name}: the URL to enter in the app's settings (docs/CHANNELS.md)`,
      });
    }
  }

  private httpApi(settings: DeploySettings, api: GodwitFunction): HttpApi {
    const domain = settings.domain
      ? new DomainName(this, 'Domain', {
          domainName: settings.domain.name,
          certificate: Certificate.fromCertificateArn(this, 'Certificate', settings.domain.certificateArn),
        })
      : undefined;
    const httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Godwit HTTP API',
      defaultIntegration: new HttpLambdaIntegration('Server', api.function),
      // API Gateway answers preflights itself (they never reach the function) for the allowed origins.
      ...(settings.cors.allowedOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: settings.cors.allowedOrigins,
              allowMethods: [CorsHttpMethod.ANY],
              allowHeaders: [...CORS_ALLOWED_HEADERS],
              exposeHeaders: [...CORS_EXPOSED_HEADERS],
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
      ...(domain ? { defaultDomainMapping: { domainName: domain } } : {}),
    });
    const accessLogs = new LogGroup(this, 'HttpApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    const stage = httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = { throttlingRateLimit: 50, throttlingBurstLimit: 100 };
    if (domain) new CfnOutput(this, 'CustomDomainTarget', { value: domain.regionalDomainName });
    return httpApi;
  }
}
