/**
 * The environment the stack gives the server's functions and containers: configuration as GODWIT_*
 * variables (see docs/CONFIGURATION.md) and the locations of the resources the stack created.
 */
import type { VectorStoreLocation } from './constructs/vector-store.ts';
import type { DeploySettings } from './settings.ts';

export interface ServerResources {
  vectorStore: VectorStoreLocation & { kind: DeploySettings['vectorStore'] };
  /** storage.dynamodb.tablePrefix: the table is `<prefix>data`. */
  tablePrefix: string;
  documentsBucket: string;
  /** Issuer and audience of accepted JWTs (Cognito or an external OIDC provider). */
  jwt: { issuer: string; audience: string | null } | null;
  /** Secrets Manager ARNs by the variable they provide (OPENAI_API_KEY → arn:…). */
  secretArns: Record<string, string>;
}

/**
 * The one variable that lists secrets for the Lambda runtime to read (src/runtime/lambda/secret-environment.ts):
 * a JSON object, variable → Secrets Manager ARN. Nothing else is taken for a secret reference; the Data
 * API's own GODWIT_DATABASE__DATA_API__SECRET_ARN is a plain value.
 */
export const SECRET_ARNS_VARIABLE = 'GODWIT_SECRET_ARNS';

/**
 * Every variable maps to a key of the server's configuration schema (src/config/schema.ts), except
 * GODWIT_SECRET_ARNS. `toJson` serializes the secret list; pass `Stack.toJsonString` when the ARNs are tokens.
 */
export function serverEnvironment(
  settings: DeploySettings,
  resources: ServerResources,
  toJson: (value: Record<string, string>) => string = JSON.stringify,
): Record<string, string> {
  const environment: Record<string, string> = {
    GODWIT_MODEL: settings.models.default,
    GODWIT_FALLBACK_MODELS: settings.models.fallback.join(','),
    GODWIT_EMBEDDING_MODEL: settings.models.embedding ?? '',
    GODWIT_SAMPLE: 'false',
    GODWIT_AUTH__MODE: 'required',
    GODWIT_STORAGE__CONVERSATIONS: 'dynamodb',
    GODWIT_STORAGE__DYNAMODB__TABLE_PREFIX: resources.tablePrefix,
    GODWIT_STORAGE__BLOBS: 's3',
    GODWIT_STORAGE__S3__BUCKET: resources.documentsBucket,
  };
  const { vectorStore } = resources;
  if (vectorStore.kind === 'aurora') {
    // Knowledge catalogue, chunks and vectors in Aurora PostgreSQL (pgvector) over the RDS Data API.
    environment.GODWIT_STORAGE__VECTORS = 'postgres';
    environment.GODWIT_DATABASE__DATA_API__RESOURCE_ARN = vectorStore.auroraClusterArn ?? '';
    environment.GODWIT_DATABASE__DATA_API__SECRET_ARN = vectorStore.auroraSecretArn ?? '';
    environment.GODWIT_DATABASE__DATA_API__DATABASE = vectorStore.auroraDatabase ?? '';
  } else if (vectorStore.kind === 'opensearch') {
    environment.GODWIT_STORAGE__VECTORS = 'opensearch';
    environment.GODWIT_STORAGE__OPENSEARCH__ENDPOINT = vectorStore.openSearchEndpoint ?? '';
  } else {
    environment.GODWIT_STORAGE__VECTORS = 's3vectors';
    environment.GODWIT_STORAGE__S3VECTORS__BUCKET = vectorStore.vectorBucketName ?? '';
  }
  if (resources.jwt) {
    environment.GODWIT_AUTH__JWT__ISSUER = resources.jwt.issuer;
    if (resources.jwt.audience) environment.GODWIT_AUTH__JWT__AUDIENCE = resources.jwt.audience;
  }
  if (settings.cors.allowedOrigins.length > 0) {
    environment.GODWIT_SERVER__CORS__ALLOWED_ORIGINS = settings.cors.allowedOrigins.join(',');
  }
  const { discord } = settings.channels;
  if (discord) {
    environment.GODWIT_CHANNELS__DISCORD__PUBLIC_KEY = discord.publicKey;
    if (discord.applicationId) environment.GODWIT_CHANNELS__DISCORD__APPLICATION_ID = discord.applicationId;
  }
  if (Object.keys(resources.secretArns).length > 0) {
    environment[SECRET_ARNS_VARIABLE] = toJson(resources.secretArns);
  }
  return environment;
}
