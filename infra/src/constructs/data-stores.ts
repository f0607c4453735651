/**
 * DynamoDB for conversations, usage, audit and API keys (one table, on-demand, point-in-time recovery,
 * TTL), and the S3 bucket for original documents and uploads (encrypted, versioned, private, TLS only).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dynamoDbTableDefinitions } from '../../../src/storage/dynamodb/table-definitions.ts';

export interface DataStoresProps {
  retainData: boolean;
  /** Table names are `<tablePrefix><baseName>`, as the server's storage.dynamodb.tablePrefix expects. */
  tablePrefix: string;
}

export class DataStores extends Construct {
  readonly table: TableV2;
  readonly documents: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    const removalPolicy = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // The same definition the server's ensureTables uses, so the two cannot drift.
    const [definition, ...others] = dynamoDbTableDefinitions(props.tablePrefix);
    if (!definition || others.length > 0) {
      throw new Error(
        'The stack builds exactly one DynamoDB table; the server now defines more: add them here.',
      );
    }
    this.table = new TableV2(this, 'Table', {
      tableName: definition.tableName,
      partitionKey: { name: definition.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: definition.sortKey.name, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: definition.pointInTimeRecovery },
      timeToLiveAttribute: definition.timeToLiveAttribute,
      deletionProtection: props.retainData,
      removalPolicy,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: AttributeType.STRING },
        sortKey: { name: index.sortKey.name, type: AttributeType.STRING },
      })),
    });

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects: !props.retainData,
    });

    this.documents = new Bucket(this, 'Documents', {
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'documents/',
      // Browsers PUT direct uploads to presigned URLs (POST /api/knowledge-bases/:name/uploads). The
      // signature is what authorizes a PUT; CORS only lets a page read the answer, so any origin may.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT],
          allowedOrigins: ['*'],
          allowedHeaders: [
            'content-type',
            'x-amz-server-side-encryption',
            'x-amz-server-side-encryption-aws-kms-key-id',
          ],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { noncurrentVersionExpiration: Duration.days(30) },
        {
          transitions: [
            { storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
          ],
        },
      ],
      removalPolicy,
      autoDeleteObjects: !props.retainData,
    });
  }
}
