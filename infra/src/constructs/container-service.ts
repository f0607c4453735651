/**
 * `compute: fargate`: the server as a container (the repository's Dockerfile) on ECS Fargate behind an
 * Application Load Balancer, with Aurora Serverless v2 PostgreSQL (pgvector, over the PostgreSQL
 * protocol) and ElastiCache Redis (cache, rate limits, sessions). Optional AWS WAF on the load balancer.
 */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { FlowLogDestination, Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  Secret as EcsSecret,
  LogDrivers,
} from 'aws-cdk-lib/aws-ecs';
import { ApplicationLoadBalancedFargateService } from 'aws-cdk-lib/aws-ecs-patterns';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import { ApplicationProtocol } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { documentAccess } from '../document-access.ts';
import { REPOSITORY_ROOT } from '../lambda-bundle.ts';
import { CONFIG_FILE_NAME, CONFIG_FILES_VARIABLE } from '../server-config.ts';
import type { DeploySettings } from '../settings.ts';

export interface ContainerServiceProps {
  settings: DeploySettings;
  documents: Bucket;
  /** Receives the load balancer's access logs. */
  accessLogs: Bucket;
  bedrock: PolicyStatement[];
  /** What the server's tools may call (lambda:InvokeFunction on the config's tools.lambda functions). */
  tools: PolicyStatement[];
  /** The server's config file and the documents it names (server-config.ts), or null for GODWIT_* only. */
  configFiles: Record<string, string> | null;
  secrets: Record<string, ISecret>;
  jwt: { issuer: string; audience: string | null } | null;
}

const PORT = 8787;

/** Writes each entry of CONFIG_FILES (path → content) under the current directory. */
const WRITE_CONFIG_FILES = `node -e 'const fs = require("node:fs"), path = require("node:path"); for (const [file, text] of Object.entries(JSON.parse(process.env.${CONFIG_FILES_VARIABLE}))) { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, text); }'`;

export class ContainerService extends Construct {
  readonly service: ApplicationLoadBalancedFargateService;

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    const { settings } = props;
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { rejected: { destination: FlowLogDestination.toCloudWatchLogs() } },
    });
    const database = new DatabaseCluster(this, 'Database', {
      engine: DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_16_6 }),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      writer: ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      iamAuthentication: true,
      storageEncrypted: true,
      port: 5433,
      credentials: Credentials.fromGeneratedSecret('godwit'),
      defaultDatabaseName: 'godwit',
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: settings.retainData,
      removalPolicy: settings.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });

    const redisSecurityGroup = new SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: 'Godwit Redis: reachable from the service only',
      allowAllOutbound: false,
    });
    const redisSubnets = new CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Godwit Redis',
      subnetIds: vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
    });
    const redis = new CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: 'Godwit cache, rate limits and sessions',
      engine: 'valkey',
      cacheNodeType: 'cache.t4g.micro',
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      port: 6380,
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisSecurityGroup.securityGroupId],
      snapshotRetentionLimit: 1,
    });

    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const environment: Record<string, string> = {
      GODWIT_HOST: '0.0.0.0',
      GODWIT_PORT: String(PORT),
      GODWIT_MODEL: settings.models.default,
      // With a carried config and no fallback in the deploy settings, the config's own fallback stands
      // (checked at synth: its Bedrock models are granted; server-config.ts).
      ...(props.configFiles && settings.models.fallback.length === 0
        ? {}
        : { GODWIT_FALLBACK_MODELS: settings.models.fallback.join(',') }),
      GODWIT_EMBEDDING_MODEL: settings.models.embedding ?? '',
      GODWIT_REDIS_URL: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}`,
      GODWIT_SAMPLE: 'false',
      GODWIT_AUTH__MODE: 'required',
      GODWIT_STORAGE__BLOBS: 's3',
      GODWIT_STORAGE__S3__BUCKET: props.documents.bucketName,
      ...(props.jwt
        ? {
            GODWIT_AUTH__JWT__ISSUER: props.jwt.issuer,
            ...(props.jwt.audience ? { GODWIT_AUTH__JWT__AUDIENCE: props.jwt.audience } : {}),
          }
        : {}),
      DATABASE_HOST: database.clusterEndpoint.hostname,
      DATABASE_PORT: String(database.clusterEndpoint.port),
      ...(props.configFiles
        ? {
            // Read relative to the directory the command writes CONFIG_FILES into and serves from.
            GODWIT_CONFIG: CONFIG_FILE_NAME,
            [CONFIG_FILES_VARIABLE]: JSON.stringify(props.configFiles),
          }
        : {}),
    };
    // The database URL is built from the injected password so the password never sits in the task definition.
    const databaseUrl =
      'export GODWIT_DATABASE_URL="postgres://godwit:$(node -p "encodeURIComponent(process.env.DATABASE_PASSWORD)")@$DATABASE_HOST:$DATABASE_PORT/godwit?sslmode=require"';
    // With a carried config: write its files into a fresh directory and serve from there, where GODWIT_CONFIG
    // and the config's document paths are read (the image's /app is not writable by its user).
    const command = props.configFiles
      ? `${databaseUrl} && APP="$PWD" && cd "$(mktemp -d)" && ${WRITE_CONFIG_FILES} && exec node "$APP/bin/godwit.js" serve`
      : `${databaseUrl} && exec node bin/godwit.js serve`;
    const secrets: Record<string, EcsSecret> = {
      DATABASE_PASSWORD: EcsSecret.fromSecretsManager(database.secret!, 'password'),
      ...Object.fromEntries(
        Object.entries(props.secrets).map(([name, secret]) => [name, EcsSecret.fromSecretsManager(secret)]),
      ),
    };
    this.service = new ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster,
      cpu: 1024,
      memoryLimitMiB: 2048,
      desiredCount: 2,
      circuitBreaker: { rollback: true },
      publicLoadBalancer: true,
      ...(settings.domain
        ? {
            protocol: ApplicationProtocol.HTTPS,
            redirectHTTP: true,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', settings.domain.certificateArn),
          }
        : {}),
      taskSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      taskImageOptions: {
        image: ContainerImage.fromAsset(REPOSITORY_ROOT, { file: 'Dockerfile' }),
        containerPort: PORT,
        environment,
        secrets,
        entryPoint: ['sh', '-c'],
        command: [command],
        logDriver: LogDrivers.awsLogs({
          streamPrefix: 'godwit',
          logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        }),
      },
    });
    this.service.targetGroup.configureHealthCheck({ path: '/healthz', healthyHttpCodes: '200' });
    database.connections.allowDefaultPortFrom(this.service.service, 'Godwit service to PostgreSQL');
    redisSecurityGroup.addIngressRule(
      Peer.securityGroupId(this.service.service.connections.securityGroups[0]!.securityGroupId),
      Port.tcp(6380),
      'Godwit service to Redis',
    );
    const role = this.service.taskDefinition.taskRole;
    for (const statement of documentAccess(props.documents.bucketArn)) role.addToPrincipalPolicy(statement);
    // ELB log delivery is granted per region, so access logs need a stack bound to a region.
    if (!Token.isUnresolved(Stack.of(this).region)) {
      this.service.loadBalancer.logAccessLogs(props.accessLogs, 'load-balancer');
    }
    for (const statement of [...props.bedrock, ...props.tools]) role.addToPrincipalPolicy(statement);

    if (settings.waf) this.webAcl();
  }

  /** AWS managed rule groups (common exploits, known bad inputs, IP reputation) and a rate limit per IP. */
  private webAcl(): void {
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
    });
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudWatchMetricsEnabled: true,
        metricName: 'godwit',
      },
      rules: [
        managed('AWSManagedRulesCommonRuleSet', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
        managed('AWSManagedRulesAmazonIpReputationList', 3),
        {
          name: 'RatePerIp',
          priority: 4,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            sampledRequestsEnabled: true,
            cloudWatchMetricsEnabled: true,
            metricName: 'rate',
          },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.service.loadBalancer.loadBalancerArn,
      webAclArn: acl.attrArn,
    });
  }
}
