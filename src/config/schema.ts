/**
 * The one configuration schema. Every key can be set in godwit.config.yaml or through a GODWIT_* variable
 * (see env.ts); defaults give the zero-setup local profile.
 */
import { z } from 'zod';

const modelName = z
  .string()
  .regex(
    /^[a-z0-9-]+:.+$/,
    'expected provider:model-id, for example local:extractive or openai:gpt-4.1-mini',
  );

/** Lists accept YAML arrays and, from environment variables, comma-separated text. */
const textList = <Item extends z.ZodType>(item: Item, minimum = 0) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0)
        : value,
    z.array(item).min(minimum),
  );

/** Asymmetric algorithms only: `none` and the HMAC family (HS*) are never accepted for JWTs. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const JWT_DEFAULTS = {
  issuer: null,
  audience: [],
  jwksUrl: null,
  tenantClaim: 'custom:tenant',
  defaultTenant: null,
  userClaim: 'sub',
  roleClaim: 'cognito:groups',
  adminValues: ['admin'],
  algorithms: ['RS256', 'ES256'] as Array<(typeof JWT_ALGORITHMS)[number]>,
  clockToleranceSeconds: 30,
};

const AUTH_DEFAULTS = { mode: null, apiKeys: { enabled: true }, jwt: JWT_DEFAULTS };

const authSchema = z
  .object({
    /** null = `off` when the server binds a loopback address, `required` otherwise. */
    mode: z.enum(['off', 'required']).nullable().default(null),
    apiKeys: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .default({ enabled: true }),
    jwt: z
      .object({
        /** The OIDC issuer (`iss`); JWTs are accepted only when this is set. */
        issuer: z.string().url().nullable().default(null),
        /** Accepted `aud` values (for Cognito access tokens, `client_id`); at least one when issuer is set. */
        audience: textList(z.string().min(1)).default([]),
        /** null = issuer + /.well-known/jwks.json. */
        jwksUrl: z.string().url().nullable().default(null),
        tenantClaim: z.string().min(1).default('custom:tenant'),
        /** The tenant for tokens without the tenant claim; null = such tokens are refused. */
        defaultTenant: z.string().min(1).nullable().default(null),
        userClaim: z.string().min(1).default('sub'),
        /** A string or an array claim; the caller is admin when it holds one of `adminValues`. */
        roleClaim: z.string().min(1).default('cognito:groups'),
        adminValues: textList(z.string().min(1)).default(['admin']),
        algorithms: textList(z.enum(JWT_ALGORITHMS), 1).default(['RS256', 'ES256']),
        clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
      })
      .strict()
      .refine((jwt) => jwt.issuer === null || jwt.audience.length > 0, {
        message:
          'auth.jwt.audience must name at least one audience (the app client id) when auth.jwt.issuer is set',
        path: ['audience'],
      })
      .default(JWT_DEFAULTS),
  })
  .strict();

const DYNAMODB_DEFAULTS = {
  tablePrefix: 'godwit-',
  region: null,
  endpoint: null,
  createTables: false,
  retentionDays: null,
};

const S3_DEFAULTS = {
  bucket: null,
  prefix: null,
  region: null,
  endpoint: null,
  forcePathStyle: false,
  serverSideEncryption: null,
  kmsKeyId: null,
};

const OPENSEARCH_DEFAULTS = {
  endpoint: null,
  region: null,
  service: 'aoss' as const,
  indexPrefix: 'godwit-chunks',
};

const S3VECTORS_DEFAULTS = { bucket: null, region: null, endpoint: null, indexPrefix: 'godwit' };

const CHROMA_DEFAULTS = {
  url: 'http://127.0.0.1:8000',
  tenant: null,
  database: null,
  collectionPrefix: 'godwit',
  token: null,
  tokenHeader: 'Authorization' as const,
  headers: {},
};

/** Where each kind of data lives. Defaults: the relational database and files in dataDir. */
const storageSchema = z
  .object({
    /** Conversations, messages, usage, audit and API keys: `postgres` (database.url or PGlite) or `dynamodb`. */
    conversations: z.enum(['postgres', 'dynamodb']).default('postgres'),
    /** Original documents: `files` (dataDir/blobs) or `s3`. */
    blobs: z.enum(['files', 's3']).default('files'),
    /**
     * Chunks and embeddings: `postgres` (pgvector + BM25 in the database: PGlite, PostgreSQL, Aurora),
     * `opensearch` (k-NN + BM25), `s3vectors` or `chroma` (vector search only). The catalogue stays in postgres.
     */
    vectors: z.enum(['postgres', 'opensearch', 's3vectors', 'chroma']).default('postgres'),
    opensearch: z
      .object({
        /** Collection or domain endpoint, `https://<id>.<region>.aoss.amazonaws.com`. */
        endpoint: z.string().url().nullable().default(null),
        /** null = the AWS SDK's region (AWS_REGION). */
        region: z.string().min(1).nullable().default(null),
        /** SigV4 service: `aoss` for OpenSearch Serverless, `es` for managed domains. */
        service: z.enum(['aoss', 'es']).default('aoss'),
        /** Index names are `<indexPrefix>-<hash of the knowledge base id>`. */
        indexPrefix: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9_-]*$/,
            'use lower-case letters, digits, "-" and "_" (OpenSearch index names)',
          )
          .default('godwit-chunks'),
      })
      .strict()
      .default(OPENSEARCH_DEFAULTS),
    s3vectors: z
      .object({
        /** The vector bucket. */
        bucket: z.string().min(3).nullable().default(null),
        region: z.string().min(1).nullable().default(null),
        /** A local or private endpoint. */
        endpoint: z.string().url().nullable().default(null),
        /** Index names are `<indexPrefix>-<hash of the knowledge base id>`. */
        indexPrefix: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9-]{0,30}$/,
            'use up to 31 lower-case letters, digits and "-" (S3 Vectors index names)',
          )
          .default('godwit'),
      })
      .strict()
      .default(S3VECTORS_DEFAULTS),
    chroma: z
      .object({
        /** The Chroma server (HTTP API v2). */
        url: z.string().url().default('http://127.0.0.1:8000'),
        /** null = Chroma's `default_tenant`. */
        tenant: z.string().min(1).nullable().default(null),
        /** null = Chroma's `default_database`. */
        database: z.string().min(1).nullable().default(null),
        /** Collection names are `<collectionPrefix>-<hash of the knowledge base id>`. */
        collectionPrefix: z
          .string()
          .regex(
            /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/,
            'use up to 63 letters, digits, "-" and "_", starting with a letter or digit (Chroma collection names)',
          )
          .default('godwit'),
        /** A token for a server with token auth; sent as `Authorization: Bearer …` or in `X-Chroma-Token`. */
        token: z.string().min(1).nullable().default(null),
        tokenHeader: z.enum(['Authorization', 'X-Chroma-Token']).default('Authorization'),
        /** Extra headers for every request (a proxy's key, basic auth). */
        headers: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default(CHROMA_DEFAULTS),
    dynamodb: z
      .object({
        /** Table names are `<tablePrefix>data`. */
        tablePrefix: z
          .string()
          .regex(/^[A-Za-z0-9_.-]*$/, 'use only letters, digits, "_", "-" and "." (DynamoDB table names)')
          .default('godwit-'),
        /** null = the AWS SDK's region (AWS_REGION). */
        region: z.string().min(1).nullable().default(null),
        /** A local or private endpoint (dynalite, DynamoDB Local, a VPC endpoint). */
        endpoint: z.string().url().nullable().default(null),
        /** Create missing tables at startup (needs dynamodb:CreateTable); the CDK stack creates them otherwise. */
        createTables: z.boolean().default(false),
        /** Usage and audit items expire (DynamoDB TTL) this many days after they were written; null keeps them. */
        retentionDays: z.number().int().positive().nullable().default(null),
      })
      .strict()
      .default(DYNAMODB_DEFAULTS),
    s3: z
      .object({
        bucket: z.string().min(3).nullable().default(null),
        /** Prepended to every object key, e.g. `godwit/`. */
        prefix: z.string().min(1).nullable().default(null),
        region: z.string().min(1).nullable().default(null),
        /** An S3-compatible endpoint (MinIO, s3rver, a VPC endpoint). */
        endpoint: z.string().url().nullable().default(null),
        /** Path-style addressing, which most S3-compatible servers need. */
        forcePathStyle: z.boolean().default(false),
        /** Encryption requested on every write; null = the bucket's default encryption. */
        serverSideEncryption: z.enum(['AES256', 'aws:kms']).nullable().default(null),
        kmsKeyId: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default(S3_DEFAULTS),
  })
  .strict()
  .superRefine((storage, context) => {
    if (storage.vectors === 'opensearch' && !storage.opensearch.endpoint) {
      context.addIssue({
        code: 'custom',
        path: ['opensearch', 'endpoint'],
        message:
          'storage.vectors is "opensearch" but no endpoint is set: set storage.opensearch.endpoint (GODWIT_STORAGE__OPENSEARCH__ENDPOINT) to the collection or domain endpoint',
      });
    }
    if (storage.vectors === 's3vectors' && !storage.s3vectors.bucket) {
      context.addIssue({
        code: 'custom',
        path: ['s3vectors', 'bucket'],
        message:
          'storage.vectors is "s3vectors" but no bucket is set: set storage.s3vectors.bucket (GODWIT_STORAGE__S3VECTORS__BUCKET) to the vector bucket name',
      });
    }
    if (storage.blobs === 's3' && !storage.s3.bucket) {
      context.addIssue({
        code: 'custom',
        path: ['s3', 'bucket'],
        message:
          'storage.blobs is "s3" but no bucket is set: set storage.s3.bucket (GODWIT_STORAGE__S3__BUCKET) to the bucket name',
      });
    }
    if (storage.s3.kmsKeyId && storage.s3.serverSideEncryption !== 'aws:kms') {
      context.addIssue({
        code: 'custom',
        path: ['s3', 'serverSideEncryption'],
        message: 'storage.s3.kmsKeyId needs storage.s3.serverSideEncryption: aws:kms',
      });
    }
  });

/** A tool or assistant name: letters, digits, `_` and `-` (the names models see and call). */
const toolName = z
  .string()
  .regex(
    /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/,
    'use up to 64 letters, digits, "_" and "-", starting with a letter',
  );

/**
 * When a tool call waits for the user: `auto` runs read-only tools and asks for the rest, `always` asks for
 * every call, `never` runs everything. `tools` overrides the rule per tool name (`ask` or `run`).
 */
const approvalSchema = z
  .object({
    mode: z.enum(['auto', 'always', 'never']).default('auto'),
    tools: z.record(z.string(), z.enum(['ask', 'run'])).default({}),
  })
  .strict();

/** A Bedrock Agent (its id and alias) that answers for an assistant. */
const bedrockAgentSchema = z
  .object({
    agentId: z
      .string()
      .regex(/^[0-9A-Za-z]{10}$/, 'expected the 10-character agent id, for example AGENT12345'),
    aliasId: z
      .string()
      .regex(/^[0-9A-Za-z]{10}$/, 'expected the 10-character alias id, for example TSTALIASID'),
    /** null = AWS_REGION. */
    region: z.string().min(1).nullable().default(null),
    /** A private or local endpoint; null = AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME, then AWS's. */
    endpoint: z.string().url().nullable().default(null),
    /** The agent's foundation model (`bedrock:<model-id>`), to price its token usage; null = unpriced. */
    model: modelName.nullable().default(null),
    /** Agent action group name → Godwit tool source that runs its returned calls; default: the same name. */
    actionGroups: z.record(z.string().min(1), toolName).default({}),
  })
  .strict();

/** A Bedrock guardrail (id or ARN, and version) applied to questions and answers. */
const guardrailSchema = z
  .object({
    id: z.string().min(1),
    /** A version number or DRAFT. */
    version: z.string().regex(/^([1-9][0-9]{0,7}|DRAFT)$/, 'expected a version number or DRAFT'),
    /** null = AWS_REGION. */
    region: z.string().min(1).nullable().default(null),
    /** A private or local endpoint for ApplyGuardrail; null = AWS_ENDPOINT_URL_BEDROCK_RUNTIME, then AWS's. */
    endpoint: z.string().url().nullable().default(null),
    /** Answers from other providers are checked every this many characters as they stream (and at the end). */
    outputCheckChars: z.number().int().min(50).max(100_000).default(600),
  })
  .strict();

/** An assistant that may call tools: a model on /v1 as `assistant:<name>` and a chat target. */
const assistantSchema = z
  .object({
    /** The assistant's standing instructions (its system prompt). */
    instructions: z.string().min(1).default('You are a helpful assistant. Use the tools when they help.'),
    /** null = models.default. Must be able to call tools (not local:extractive). */
    model: modelName.nullable().default(null),
    /** Models tried in order when the chosen one fails with a retryable error; null = models.fallback. */
    fallbacks: z.array(modelName).nullable().default(null),
    /** Knowledge bases the search_knowledge_base and get_document tools may read. */
    knowledgeBases: textList(z.string().min(1)).default([]),
    /** Tool names: built-ins, `<openapi source>.<operation>`, `<lambda>.<operation>`, or `<source>.*`. */
    tools: textList(z.string().min(1)).default([]),
    /** Model calls in one turn, tool steps included. */
    maxSteps: z.number().int().min(1).max(50).default(8),
    approval: approvalSchema.default({ mode: 'auto', tools: {} }),
    /** A managed Bedrock Agent answers instead of Godwit's tool loop: see docs/AGENTS.md. */
    bedrockAgent: bedrockAgentSchema.nullable().default(null),
    /** A Bedrock guardrail on this assistant's questions and answers; null = guardrail (the global one). */
    guardrail: guardrailSchema.nullable().default(null),
  })
  .strict()
  .superRefine((assistant, context) => {
    if (!assistant.bedrockAgent) return;
    for (const key of ['model', 'fallbacks'] as const) {
      if (assistant[key] !== null) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `a Bedrock agent answers with its own model: remove ${key} (set bedrockAgent.model to price its usage)`,
        });
      }
    }
  });

/** Where a secret comes from: the name of an environment variable (never the secret itself). */
const secretReference = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') })
  .strict();

/** How an OpenAPI source authenticates: a header or a query parameter whose value is a secret. */
const toolAuthSchema = z
  .object({
    header: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    /** Put before the secret, e.g. `Bearer `. */
    prefix: z.string().default(''),
    secret: secretReference,
  })
  .strict()
  .refine((auth) => Boolean(auth.header) !== Boolean(auth.query), {
    message: 'set exactly one of header or query (where the secret goes)',
  });

/**
 * Where an OpenAPI document is: a file path (relative to the working directory), or `{ url }` fetched once at
 * startup through the URL guard (urlFetch.allowedHosts, urlFetch.timeoutMs).
 */
const openApiDocumentSchema = z.union([
  z.string().min(1),
  z
    .object({
      url: z
        .string()
        .url()
        .regex(/^https?:\/\//i, 'expected an http(s) URL'),
    })
    .strict(),
]);

/** An OpenAPI 3.0/3.1 document (or a Bedrock Agents action-group schema): one tool per operation. */
const openApiToolSourceSchema = z
  .object({
    /** The document (JSON or YAML): a file path, or `{ url: "https://…" }`. */
    document: openApiDocumentSchema,
    /** null = the document's first `servers` URL. */
    baseUrl: z.string().url().nullable().default(null),
    auth: toolAuthSchema.nullable().default(null),
    /** Operations (by operationId) that only read; others ask for approval under the `auto` policy. */
    readOnly: z.array(z.string().min(1)).nullable().default(null),
  })
  .strict();

/** A Lambda function that handles Bedrock Agents action-group events, described by its OpenAPI schema. */
const lambdaToolSourceSchema = z
  .object({
    /** Function name or ARN. */
    functionName: z.string().min(1),
    /** The action group's OpenAPI schema (JSON or YAML): a file path, or `{ url: "https://…" }`. */
    document: openApiDocumentSchema,
    /** The `actionGroup` sent in each event; default: the source's name. */
    actionGroup: z.string().min(1).nullable().default(null),
    region: z.string().min(1).nullable().default(null),
    /** A local or private endpoint. */
    endpoint: z.string().url().nullable().default(null),
    readOnly: z.array(z.string().min(1)).nullable().default(null),
  })
  .strict();

/**
 * An MCP server whose tools assistants may call: streamable HTTP (or SSE) by `url`, or a process started
 * over stdio by `command` (not on Lambda). Tools are named `<server>__<tool>`.
 */
const mcpToolSourceSchema = z
  .object({
    /** http(s) URL of a streamable HTTP (or SSE) endpoint; checked by the URL guard (urlFetch.allowedHosts). */
    url: z.string().url().nullable().default(null),
    transport: z.enum(['http', 'sse']).default('http'),
    /** A header whose value is a secret (e.g. `Authorization` with prefix `Bearer `). */
    auth: toolAuthSchema.nullable().default(null),
    /** The program of a stdio server, started by Godwit. */
    command: z.string().min(1).nullable().default(null),
    args: z.array(z.string()).default([]),
    /** Environment of the stdio process (besides PATH): values, or secrets by reference. */
    env: z.record(z.string(), z.union([z.string(), secretReference])).default({}),
    /** The server's tools assistants may use (the admin allow-list); null = all it lists. */
    tools: z.array(z.string().min(1)).nullable().default(null),
  })
  .strict()
  .refine((source) => (source.url === null) !== (source.command === null), {
    message: 'set exactly one of url (an HTTP server) or command (a stdio server)',
  })
  .refine((source) => source.auth === null || (source.url !== null && source.auth.header), {
    message: 'auth sends a header to an HTTP server: set url and auth.header',
  });

/** An SQL identifier, optionally schema-qualified (`iam.users`): checked, then quoted, never interpolated raw. */
const sqlIdentifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/,
    'expected a table or column name (letters, digits, _; schema.table allowed)',
  );

/** One named, parameterised, read-only query: the model supplies the parameters, never the SQL. */
const sqlQuerySchema = z
  .object({
    description: z.string().min(1),
    /** The statement, with `$1`, `$2`, … for the parameters in the order they are declared. */
    sql: z.string().min(1),
    parameters: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
        z
          .object({
            type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
            description: z.string().default(''),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

/** A kind of entity `resolve_entity` can find by name: the table, the column matched, the columns returned. */
const sqlEntitySchema = z
  .object({
    table: sqlIdentifier,
    column: sqlIdentifier,
    returns: z.array(sqlIdentifier).min(1),
  })
  .strict();

/** A PostgreSQL/Aurora database that named queries and `resolve_entity` read, in read-only transactions. */
const sqlToolSourceSchema = z
  .object({
    /** The connection URL, by environment variable (it holds a password); null = database.url. */
    url: secretReference.nullable().default(null),
    /** Each statement is stopped after this long. */
    statementTimeoutMs: z.number().int().positive().max(120_000).default(5_000),
    /** Rows returned at most; more are cut and marked truncated. */
    maxRows: z.number().int().min(1).max(10_000).default(100),
    queries: z.record(toolName, sqlQuerySchema).default({}),
    entities: z.record(toolName, sqlEntitySchema).default({}),
    /** Lowest pg_trgm similarity (0–1) for a candidate of resolve_entity. */
    minSimilarity: z.number().min(0).max(1).default(0.3),
  })
  .strict();

const TOOLS_DEFAULTS = {
  timeoutMs: 30_000,
  maxOutputBytes: 65_536,
  approvalSecret: null,
  rateLimit: { perMinute: null, tools: {} },
  openapi: {},
  lambda: {},
  mcp: {},
  sql: {},
};

/** Tool sources and the limits every tool call runs under. */
const toolsSchema = z
  .object({
    /** A call that takes longer fails with a timeout the model sees. */
    timeoutMs: z.number().int().positive().max(600_000).default(30_000),
    /** Larger results are cut to this many bytes (UTF-8) and marked truncated. */
    maxOutputBytes: z.number().int().min(1024).max(10_485_760).default(65_536),
    /** HMAC key that signs approval requests; null = a random key per process (approvals end with it). */
    approvalSecret: z.string().min(16, 'use at least 16 characters').nullable().default(null),
    /** Calls per minute per tool and tenant (in each server process); over it, a call fails without running. */
    rateLimit: z
      .object({
        perMinute: z.number().int().positive().nullable().default(null),
        tools: z.record(z.string(), z.number().int().positive()).default({}),
      })
      .strict()
      .default({ perMinute: null, tools: {} }),
    openapi: z.record(toolName, openApiToolSourceSchema).default({}),
    lambda: z.record(toolName, lambdaToolSourceSchema).default({}),
    mcp: z.record(toolName, mcpToolSourceSchema).default({}),
    sql: z.record(toolName, sqlToolSourceSchema).default({}),
  })
  .strict();

const rateRuleSchema = z
  .object({
    /** Requests a minute; null = no limit. */
    requestsPerMinute: z.number().int().positive().nullable().default(null),
    /** Model tokens (input + output) a minute; null = no limit. */
    tokensPerMinute: z.number().int().positive().nullable().default(null),
  })
  .strict();
const NO_RATE = { requestsPerMinute: null, tokensPerMinute: null };

const budgetRuleSchema = z
  .object({
    /** USD per UTC day; null = no limit. */
    dailyUsd: z.number().positive().nullable().default(null),
    /** USD per UTC month; null = no limit. */
    monthlyUsd: z.number().positive().nullable().default(null),
  })
  .strict();
const NO_BUDGET = { dailyUsd: null, monthlyUsd: null };

const LIMITS_DEFAULTS = {
  store: null,
  caller: NO_RATE,
  roles: {},
  keys: {},
  tenant: NO_RATE,
  tenants: {},
  failedAuthPerMinute: 20,
  trustForwardedFor: false,
  onStoreDown: 'closed' as const,
};

/** Requests and tokens per minute: see docs/CONFIGURATION.md, "Rate limits and budgets". */
const limitsSchema = z
  .object({
    /**
     * Where counters live so that every instance sees the same counts. null = redis when redis.url is set,
     * else dynamodb when conversations are on DynamoDB, else the database when database.url or
     * database.dataApi is set, else this process's memory (the embedded default).
     */
    store: z.enum(['memory', 'redis', 'database', 'dynamodb']).nullable().default(null),
    /** Each API key (or JWT user), unless `roles` or `keys` says otherwise. */
    caller: rateRuleSchema.default(NO_RATE),
    roles: z
      .object({ admin: rateRuleSchema.optional(), user: rateRuleSchema.optional() })
      .strict()
      .default({}),
    /** By API key id (`key_3f9a…`). */
    keys: z.record(z.string().min(1), rateRuleSchema).default({}),
    /** Each tenant, all its callers together, unless `tenants` names it. */
    tenant: rateRuleSchema.default(NO_RATE),
    tenants: z.record(z.string().min(1), rateRuleSchema).default({}),
    /** Failed sign-ins a client address may make per minute; then 429 until the minute ends. */
    failedAuthPerMinute: z.number().int().positive().default(20),
    /** Take the client address from the last X-Forwarded-For entry (behind a load balancer you run). */
    trustForwardedFor: z.boolean().default(false),
    /**
     * While the counter store cannot be reached: `closed` answers limited requests 503
     * dependency_unavailable with Retry-After; `open` serves them uncounted (a warning per request).
     */
    onStoreDown: z.enum(['closed', 'open']).default('closed'),
  })
  .strict();

const BUDGETS_DEFAULTS = {
  key: NO_BUDGET,
  keys: {},
  user: NO_BUDGET,
  users: {},
  tenant: NO_BUDGET,
  tenants: {},
  alertThresholds: [0.5, 0.75, 0.9],
  estimateOutputTokens: 1024,
};

/** USD per day and month: see docs/CONFIGURATION.md, "Rate limits and budgets". */
const budgetsSchema = z
  .object({
    /** Each API key, unless `keys` names it. */
    key: budgetRuleSchema.default(NO_BUDGET),
    keys: z.record(z.string().min(1), budgetRuleSchema).default({}),
    /** Each user calling without an API key (a JWT user, a Discord or Slack user), unless `users` names it. */
    user: budgetRuleSchema.default(NO_BUDGET),
    /** By user id: `discord:<user id>`, `slack:<team id>:<user id>`, a JWT subject. */
    users: z.record(z.string().min(1), budgetRuleSchema).default({}),
    /** Each tenant, unless `tenants` names it. */
    tenant: budgetRuleSchema.default(NO_BUDGET),
    tenants: z.record(z.string().min(1), budgetRuleSchema).default({}),
    /** Fractions of a budget that raise an alert (log line, metric, audit event) when spending passes them. */
    alertThresholds: z.array(z.number().gt(0).lt(1)).default([0.5, 0.75, 0.9]),
    /** Output tokens assumed for a call that names no maximum, when reserving its estimated cost. */
    estimateOutputTokens: z.number().int().positive().default(1024),
  })
  .strict();

const STORAGE_DEFAULTS = {
  conversations: 'postgres' as const,
  blobs: 'files' as const,
  vectors: 'postgres' as const,
  opensearch: OPENSEARCH_DEFAULTS,
  s3vectors: S3VECTORS_DEFAULTS,
  chroma: CHROMA_DEFAULTS,
  dynamodb: DYNAMODB_DEFAULTS,
  s3: S3_DEFAULTS,
};

/** Where a channel's messages go: an assistant (with its tools) or a plain answer from a knowledge base. */
const channelTarget = z
  .object({
    /** A configured assistant (`assistants.<name>`); null = a plain answer. */
    assistant: z.string().min(1).nullable().default(null),
    /** Knowledge base for plain answers; null = a plain chat. Ignored when an assistant answers. */
    knowledgeBase: z.string().min(1).nullable().default(null),
  })
  .strict();

const DISCORD_DEFAULTS = {
  publicKey: null,
  applicationId: null,
  apiBaseUrl: 'https://discord.com/api/v10',
  tenant: 'default',
  assistant: null,
  knowledgeBase: null,
  servers: {},
};

const SLACK_DEFAULTS = {
  signingSecret: null,
  botToken: null,
  apiBaseUrl: 'https://slack.com/api',
  tenant: 'default',
  assistant: null,
  knowledgeBase: null,
  channels: {},
};

const CHANNELS_DEFAULTS = { queueUrl: null, discord: DISCORD_DEFAULTS, slack: SLACK_DEFAULTS };

/** Discord and Slack bots over the same chat turn: see docs/CHANNELS.md. */
const channelsSchema = z
  .object({
    /**
     * An SQS queue URL: a channel's acknowledgement returns at once and the answer is written by the worker
     * function that reads this queue (AWS Lambda freezes once it has responded). null = in this process.
     */
    queueUrl: z.string().url().nullable().default(null),
    discord: z
      .object({
        /** The application's public key (64 hex digits); the Discord channel is on when it is set. */
        publicKey: z
          .string()
          .regex(
            /^[0-9a-fA-F]{64}$/,
            'expected the 64 hex digits of "Public Key" in the Discord developer portal',
          )
          .nullable()
          .default(null),
        /** The application id; when set, interactions for another application are refused. */
        applicationId: z
          .preprocess(
            // From an environment variable, a short id arrives as a number.
            (value) => (typeof value === 'number' ? String(value) : value),
            z
              .string()
              .regex(/^\d+$/, 'expected the numeric "Application ID" from the Discord developer portal'),
          )
          .nullable()
          .default(null),
        apiBaseUrl: z.string().url().default('https://discord.com/api/v10'),
        /** The tenant whose users Discord users become (`discord:<user id>`). */
        tenant: z.string().min(1).default('default'),
        ...channelTarget.shape,
        /** Per server (guild id): who answers there, overriding the defaults above. */
        servers: z
          .record(z.string().regex(/^\d+$/, 'expected a numeric guild id'), channelTarget)
          .default({}),
      })
      .strict()
      .default(DISCORD_DEFAULTS),
    slack: z
      .object({
        /** The app's signing secret; the Slack channel is on when it is set. */
        signingSecret: z.string().min(1).nullable().default(null),
        /** The bot token (`xoxb-…`) that posts answers; required with signingSecret. */
        botToken: z
          .string()
          .startsWith(
            'xoxb-',
            'expected a bot token starting with xoxb- ("OAuth & Permissions" in the Slack app)',
          )
          .nullable()
          .default(null),
        apiBaseUrl: z.string().url().default('https://slack.com/api'),
        /** The tenant whose users Slack users become (`slack:<team id>:<user id>`). */
        tenant: z.string().min(1).default('default'),
        ...channelTarget.shape,
        /** Per channel id (`C0123…`): who answers there, overriding the defaults above. */
        channels: z.record(z.string().min(1), channelTarget).default({}),
      })
      .strict()
      .refine((slack) => !slack.signingSecret || slack.botToken, {
        message:
          'a Slack signing secret needs a bot token to post answers: set channels.slack.botToken (GODWIT_CHANNELS__SLACK__BOT_TOKEN)',
        path: ['botToken'],
      })
      .default(SLACK_DEFAULTS),
  })
  .strict();

/** An origin is scheme, host and port only: `https://app.example.com`, `http://localhost:5173`. */
const origin = z
  .string()
  .regex(
    /^https?:\/\/[^/\s]+$/,
    'expected an origin like https://app.example.com (no path, no trailing slash)',
  );

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./.godwit'),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
        maxBodyBytes: z.number().int().positive().default(1_048_576),
        maxUploadBytes: z.number().int().positive().default(52_428_800),
        /**
         * With auth off: Host header names served besides localhost, 127.0.0.1, [::1] and server.host
         * (`name` for the server's port, `name:port` for another); others get 421 (DNS rebinding).
         */
        allowedHosts: textList(z.string().min(1)).default([]),
        /** With auth off: origins (`http://localhost:5173`) whose pages may POST/PUT/PATCH/DELETE here. */
        allowedOrigins: textList(z.string().min(1)).default([]),
        /**
         * On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are
         * closed. Default 25 s: inside the 30 s ECS (and Kubernetes) give a task between SIGTERM and SIGKILL.
         */
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(25_000),
        /** How long `/readyz` waits for one dependency's check before counting it as down. */
        readinessTimeoutMs: z.number().int().min(50).max(60_000).default(2_000),
        /** A client must send the request line and headers within this time (slowloris); 0 = no limit. */
        headersTimeoutMs: z.number().int().min(0).max(3_600_000).default(60_000),
        /** A client must send the whole request, body included, within this time; 0 = no limit. */
        requestTimeoutMs: z.number().int().min(0).max(86_400_000).default(300_000),
        /**
         * A connection where nothing moved for this long while the client stalls (a body that stopped
         * arriving, an answer it does not read) is closed; slow work of the server's own is not. 0 = no limit.
         */
        idleTimeoutMs: z.number().int().min(0).max(86_400_000).default(120_000),
        /** Cross-origin browser access (a front end hosted elsewhere): see docs/CONFIGURATION.md, "CORS". */
        cors: z
          .object({
            /** Origins whose pages may call the API; default none (same origin only). */
            allowedOrigins: textList(origin).default([]),
            /** How long a browser may cache a preflight answer. */
            maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
          })
          .strict()
          .default({ allowedOrigins: [], maxAgeSeconds: 600 }),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 8787,
        maxBodyBytes: 1_048_576,
        maxUploadBytes: 52_428_800,
        allowedHosts: [],
        allowedOrigins: [],
        shutdownGraceMs: 25_000,
        readinessTimeoutMs: 2_000,
        headersTimeoutMs: 60_000,
        requestTimeoutMs: 300_000,
        idleTimeoutMs: 120_000,
        cors: { allowedOrigins: [], maxAgeSeconds: 600 },
      }),
    /** Fetches of user-supplied URLs (chat images, `godwit ingest https://…`) go through one guard. */
    urlFetch: z
      .object({
        /** Internal hosts that may be fetched anyway: names, `*.suffix`, IP addresses, CIDR ranges. */
        allowedHosts: textList(z.string().min(1)).default([]),
        /** One whole download, redirects included. */
        timeoutMs: z.number().int().positive().default(30_000),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        /** Largest image a chat message may link to; pages to ingest are capped by ingest.maxFileBytes. */
        maxImageBytes: z.number().int().positive().default(20_971_520),
      })
      .strict()
      .default({ allowedHosts: [], timeoutMs: 30_000, maxRedirects: 5, maxImageBytes: 20_971_520 }),
    /** Where GET /metrics is served: null port = on the main listener (admins only when auth is on). */
    metrics: z
      .object({
        /** A separate listener just for /metrics (Prometheus scrapes); the main listener stops serving it. */
        port: z.number().int().min(0).max(65_535).nullable().default(null),
        host: z.string().min(1).default('127.0.0.1'),
      })
      .strict()
      .default({ port: null, host: '127.0.0.1' }),
    models: z
      .object({
        /** null = the first configured provider's default model, else local:extractive. */
        default: modelName.nullable().default(null),
        fallback: z.array(modelName).default([]),
        embedding: modelName.nullable().default(null),
      })
      .strict()
      .default({ default: null, fallback: [], embedding: null }),
    resilience: z
      .object({
        timeoutMs: z.number().int().positive().default(60_000),
        retries: z.number().int().min(0).max(10).default(2),
        /** Per provider: `{ bedrock: { requestsPerSecond: 0.8, maxConcurrency: 4 } }`. */
        limits: z
          .record(
            z.string(),
            z
              .object({
                requestsPerSecond: z.number().positive().optional(),
                maxConcurrency: z.number().int().positive().optional(),
                burst: z.number().int().positive().optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ timeoutMs: 60_000, retries: 2, limits: {} }),
    database: z
      .object({
        /** postgres://… to use PostgreSQL/Aurora/RDS; empty = embedded PGlite in dataDir. */
        url: z.string().url().nullable().default(null),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .nullable()
          .default(null),
        /** Aurora through the RDS Data API (no VPC needed); instead of url. */
        dataApi: z
          .object({
            /** ARN of the Aurora cluster. */
            resourceArn: z.string().startsWith('arn:'),
            /** ARN of the Secrets Manager secret with the database credentials. */
            secretArn: z.string().startsWith('arn:'),
            database: z.string().min(1),
            /** null = the AWS SDK's region (AWS_REGION). */
            region: z.string().min(1).nullable().default(null),
          })
          .strict()
          .nullable()
          .optional(),
        /** Connections each instance keeps open at most (database.url only). */
        poolSize: z.number().int().min(1).max(1000).default(10),
        /** Opening a connection, or waiting for a free one in the pool; then 503. */
        connectTimeoutMs: z.number().int().min(1).max(600_000).default(5_000),
        /** One statement (PostgreSQL's statement_timeout); 0 = no limit. Then 503. */
        statementTimeoutMs: z.number().int().min(0).max(3_600_000).default(15_000),
        /** A transaction left idle (idle_in_transaction_session_timeout); 0 = no limit. */
        idleInTransactionTimeoutMs: z.number().int().min(0).max(3_600_000).default(15_000),
      })
      .strict()
      .refine((database) => !(database.url && database.dataApi), {
        message: 'set database.url or database.dataApi, not both',
        path: ['dataApi'],
      })
      .default({
        url: null,
        schema: null,
        poolSize: 10,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 15_000,
        idleInTransactionTimeoutMs: 15_000,
      }),
    redis: z
      .object({ url: z.string().url().nullable().default(null) })
      .strict()
      .default({ url: null }),
    ingest: z
      .object({
        maxFileBytes: z.number().int().positive().default(52_428_800),
        chunkTokens: z.number().int().min(64).max(8192).default(512),
        chunkOverlapTokens: z.number().int().min(0).max(1024).default(64),
      })
      .strict()
      .default({ maxFileBytes: 52_428_800, chunkTokens: 512, chunkOverlapTokens: 64 }),
    retrieval: z
      .object({
        k: z.number().int().min(1).max(100).default(6),
        /** A model that paraphrases each search query; the variants widen keyword recall. Off when null. */
        expansion: z
          .object({
            model: modelName.nullable().default(null),
            maxVariants: z.number().int().min(1).max(10).default(3),
          })
          .strict()
          .default({ model: null, maxVariants: 3 }),
      })
      .strict()
      .default({ k: 6, expansion: { model: null, maxVariants: 3 } }),
    cache: z
      .object({
        /** null = Redis when redis.url is set, else memory. */
        backend: z.enum(['memory', 'redis']).nullable().default(null),
        embeddings: z
          .object({
            enabled: z.boolean().default(true),
            ttlSeconds: z.number().int().positive().nullable().default(null),
          })
          .strict()
          .default({ enabled: true, ttlSeconds: null }),
        /** Exact response cache for deterministic requests (temperature 0). */
        responses: z
          .object({
            enabled: z.boolean().default(false),
            ttlSeconds: z.number().int().positive().default(3600),
          })
          .strict()
          .default({ enabled: false, ttlSeconds: 3600 }),
      })
      .strict()
      .default({
        backend: null,
        embeddings: { enabled: true, ttlSeconds: null },
        responses: { enabled: false, ttlSeconds: 3600 },
      }),
    routing: z
      .object({
        /** First match wins: `{ name, when: { maxInputTokens, noTools, pattern, excludePattern }, model }`. */
        rules: z
          .array(
            z
              .object({
                name: z.string().optional(),
                when: z
                  .object({
                    maxInputTokens: z.number().int().positive().optional(),
                    noTools: z.boolean().optional(),
                    pattern: z.string().optional(),
                    excludePattern: z.string().optional(),
                  })
                  .strict(),
                model: modelName,
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ rules: [] }),
    /** Who may call the API: see docs/AUTH.md. */
    auth: authSchema.default(AUTH_DEFAULTS),
    limits: limitsSchema.default(LIMITS_DEFAULTS),
    budgets: budgetsSchema.default(BUDGETS_DEFAULTS),
    /** Where data lives: see docs/CONFIGURATION.md, "Storage backends". */
    storage: storageSchema.default(STORAGE_DEFAULTS),
    /** Assistants that call tools, by name: see docs/AGENTS.md. */
    assistants: z.record(toolName, assistantSchema).default({}),
    /** Tool sources (OpenAPI, Lambda) and tool-call limits: see docs/AGENTS.md. */
    tools: toolsSchema.default(TOOLS_DEFAULTS),
    /** Discord and Slack bots: see docs/CHANNELS.md. */
    channels: channelsSchema.default(CHANNELS_DEFAULTS),
    /** Knowledge bases kept elsewhere, by name: a Bedrock Knowledge Base (read-only in Godwit). */
    knowledgeBases: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use 1-63 lower-case letters, digits, "-" or "_"'),
        z
          .object({
            description: z.string().default(''),
            bedrock: z
              .object({
                knowledgeBaseId: z
                  .string()
                  .regex(
                    /^[0-9A-Za-z]{10}$/,
                    'expected the 10-character knowledge base id, for example KB12345678',
                  ),
                /** null = AWS_REGION. */
                region: z.string().min(1).nullable().default(null),
                /** null = AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME, then AWS's. */
                endpoint: z.string().url().nullable().default(null),
                /** A Bedrock RetrievalFilter applied to every search (`{ equals: { key, value } }`, `andAll`, …). */
                filter: z.record(z.string(), z.unknown()).nullable().default(null),
                /**
                 * `retrieve`: Godwit's model answers from the passages `Retrieve` finds. `retrieveAndGenerate`:
                 * grounded chat is answered by Bedrock (RetrieveAndGenerate with `modelArn`); search still retrieves.
                 */
                mode: z.enum(['retrieve', 'retrieveAndGenerate']).default('retrieve'),
                /** The model or inference profile ARN that answers in `retrieveAndGenerate` mode. */
                modelArn: z
                  .string()
                  .regex(/^arn:aws[a-z-]*:bedrock:/, 'expected a Bedrock model or inference profile ARN')
                  .nullable()
                  .default(null),
              })
              .strict()
              .superRefine((bedrock, context) => {
                if (bedrock.mode === 'retrieveAndGenerate' && !bedrock.modelArn) {
                  context.addIssue({
                    code: 'custom',
                    path: ['modelArn'],
                    message:
                      'mode retrieveAndGenerate needs the model that answers: set modelArn, for example arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
                  });
                }
              }),
          })
          .strict(),
      )
      .default({}),
    /** A Bedrock guardrail on every chat turn and /v1 answer (assistants may name their own). */
    guardrail: guardrailSchema.nullable().default(null),
    /** Load the sample knowledge base `handbook` into a new data dir. */
    sample: z.boolean().default(true),
  })
  .strict();

export type GodwitConfig = z.infer<typeof configSchema>;
export type AssistantConfig = z.infer<typeof assistantSchema>;
/** The assistants by name. */
export type AssistantsConfig = GodwitConfig['assistants'];
export type ToolsConfig = z.infer<typeof toolsSchema>;
export type ChannelsConfig = z.infer<typeof channelsSchema>;
