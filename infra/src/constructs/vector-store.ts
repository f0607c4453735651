/**
 * The vector store chosen in settings:
 * - aurora: Aurora Serverless v2 PostgreSQL with pgvector, minimum 0 ACU (pauses when idle), RDS Data API
 *   on, so functions reach it over HTTPS without joining the VPC;
 * - opensearch: an OpenSearch Serverless vector collection (billed for at least 1 OCU for indexing and
 *   1 for search, whether used or not);
 * - s3vectors: an S3 vector bucket (the server creates an index per knowledge base).
 */
import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FlowLogDestination, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnAccessPolicy, CfnCollection, CfnSecurityPolicy } from 'aws-cdk-lib/aws-opensearchserverless';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import { CfnVectorBucket } from 'aws-cdk-lib/aws-s3vectors';
import { Construct } from 'constructs';

export type VectorStoreKind = 'aurora' | 'opensearch' | 's3vectors';

export interface VectorStoreProps {
  kind: VectorStoreKind;
  retainData: boolean;
}

export interface VectorStoreLocation {
  auroraClusterArn?: string;
  auroraSecretArn?: string;
  auroraDatabase?: string;
  openSearchEndpoint?: string;
  openSearchCollectionId?: string;
  vectorBucketName?: string;
}

export class VectorStore extends Construct {
  readonly kind: VectorStoreKind;
  /** Where the store is: cluster and secret ARNs, endpoint, bucket and index (by kind). */
  readonly location: VectorStoreLocation = {};
  private readonly grantTo: (grantee: IGrantable) => void;

  constructor(scope: Construct, id: string, props: VectorStoreProps) {
    super(scope, id);
    this.kind = props.kind;
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    if (props.kind === 'aurora') this.grantTo = this.aurora(removalPolicy, props.retainData);
    else if (props.kind === 'opensearch') this.grantTo = this.openSearch();
    else this.grantTo = this.s3Vectors(removalPolicy);
  }

  private principals: string[] = [];

  grantReadWrite(grantee: IGrantable): void {
    this.grantTo(grantee);
  }

  /** The roles named in the OpenSearch data access policy (other kinds use IAM alone). */
  setPrincipals(roleArns: string[]): void {
    this.principals = roleArns;
  }

  private aurora(removalPolicy: RemovalPolicy, deletionProtection: boolean) {
    // The cluster lives in a VPC; isolated subnets only (no NAT gateway to pay for): nothing in the VPC
    // needs the internet, and the functions use the Data API endpoint instead of joining it.
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { rejected: { destination: FlowLogDestination.toCloudWatchLogs() } },
    });
    const cluster = new DatabaseCluster(this, 'Cluster', {
      engine: DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_16_6 }),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      writer: ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 4,
      enableDataApi: true,
      iamAuthentication: true,
      storageEncrypted: true,
      port: 5433,
      credentials: Credentials.fromGeneratedSecret('godwit'),
      defaultDatabaseName: 'godwit',
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection,
      removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    this.cluster = cluster;
    this.location.auroraClusterArn = cluster.clusterArn;
    this.location.auroraSecretArn = cluster.secret?.secretArn ?? '';
    this.location.auroraDatabase = 'godwit';
    return (grantee: IGrantable) => cluster.grantDataApiAccess(grantee);
  }

  /** Set when kind is aurora. */
  cluster?: DatabaseCluster;

  private openSearch() {
    const name = `${Stack.of(this).stackName}-vectors`.toLowerCase().slice(0, 28).replace(/-+$/, '');
    const encryption = new CfnSecurityPolicy(this, 'Encryption', {
      name: `${name}-enc`,
      type: 'encryption',
      policy: JSON.stringify({
        Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }],
        AWSOwnedKey: true,
      }),
    });
    // Functions run outside a VPC, so the collection endpoint is public; every request is still signed
    // (SigV4) and allowed only by the data access policy below.
    const network = new CfnSecurityPolicy(this, 'Network', {
      name: `${name}-net`,
      type: 'network',
      policy: JSON.stringify([
        {
          Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }],
          AllowFromPublic: true,
        },
      ]),
    });
    const collection = new CfnCollection(this, 'Collection', {
      name,
      type: 'VECTORSEARCH',
      standbyReplicas: 'DISABLED',
    });
    collection.node.addDependency(encryption);
    collection.node.addDependency(network);
    const access = new CfnAccessPolicy(this, 'DataAccess', {
      name: `${name}-data`,
      type: 'data',
      policy: Stack.of(this).toJsonString([
        {
          Rules: [
            {
              ResourceType: 'collection',
              Resource: [`collection/${name}`],
              Permission: ['aoss:DescribeCollectionItems'],
            },
            {
              ResourceType: 'index',
              Resource: [`index/${name}/*`],
              Permission: [
                'aoss:CreateIndex',
                'aoss:DescribeIndex',
                'aoss:UpdateIndex',
                'aoss:ReadDocument',
                'aoss:WriteDocument',
              ],
            },
          ],
          Principal: Lazy.list({ produce: () => this.principals }),
        },
      ]),
    });
    collection.node.addDependency(access);
    this.location.openSearchEndpoint = collection.attrCollectionEndpoint;
    this.location.openSearchCollectionId = collection.attrId;
    return (grantee: IGrantable) => {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [collection.attrArn] }),
      );
    };
  }

  private s3Vectors(removalPolicy: RemovalPolicy) {
    const name = `${Stack.of(this).stackName.toLowerCase()}-vectors`.slice(0, 63);
    const bucket = new CfnVectorBucket(this, 'Bucket', {
      vectorBucketName: name,
      encryptionConfiguration: { sseType: 'AES256' },
    });
    bucket.applyRemovalPolicy(removalPolicy);
    // The server creates one index per knowledge base (named from storage.s3vectors.indexPrefix, with the
    // dimension of that knowledge base's embedding model), so the stack creates the bucket, not indexes.
    this.location.vectorBucketName = name;
    return (grantee: IGrantable) => {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [
            's3vectors:CreateIndex',
            's3vectors:GetIndex',
            's3vectors:DeleteIndex',
            's3vectors:PutVectors',
            's3vectors:GetVectors',
            's3vectors:QueryVectors',
            's3vectors:DeleteVectors',
            's3vectors:ListVectors',
          ],
          resources: [`${bucket.attrVectorBucketArn}/index/*`],
        }),
      );
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3vectors:ListIndexes'], resources: [bucket.attrVectorBucketArn] }),
      );
    };
  }
}
