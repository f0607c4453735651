/**
 * What `godwit deploy` builds, read from godwit.deploy.yaml (or CDK context `godwit`). Every key is
 * optional; the defaults give the near-zero-idle serverless stack.
 */
import { z } from 'zod';

const bedrockModel = z
  .string()
  .regex(/^bedrock:.+$/, 'expected bedrock:<model id, inference profile id or ARN>');

export const deploySettingsSchema = z
  .object({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
      .default('Godwit'),
    /** lambda: API Gateway + Function URL; fargate: ECS Fargate behind an ALB, Aurora PostgreSQL, Redis. */
    compute: z.enum(['lambda', 'fargate']).default('lambda'),
    /** aurora: Aurora Serverless v2 + pgvector (scales to 0 ACU); opensearch: OpenSearch Serverless; s3vectors: S3 Vectors. */
    vectorStore: z.enum(['aurora', 'opensearch', 's3vectors']).default('aurora'),
    models: z
      .object({
        default: bedrockModel.default('bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0'),
        fallback: z.array(bedrockModel).default([]),
        embedding: bedrockModel.nullable().default('bedrock:amazon.titan-embed-text-v2:0'),
      })
      .strict()
      .default({
        default: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0',
        fallback: [],
        embedding: 'bedrock:amazon.titan-embed-text-v2:0',
      }),
    auth: z
      .object({
        /** An OIDC issuer whose JWTs the API accepts (API keys are always accepted). */
        jwtIssuer: z.string().url().nullable().default(null),
        jwtAudience: z.string().nullable().default(null),
        /** Create a Cognito user pool and accept its tokens (overrides jwtIssuer). */
        cognito: z.boolean().default(false),
      })
      .strict()
      .refine((auth) => auth.jwtIssuer === null || auth.jwtAudience !== null, {
        message: 'auth.jwtAudience must be set (the app client id) when auth.jwtIssuer is set',
        path: ['jwtAudience'],
      })
      .default({ jwtIssuer: null, jwtAudience: null, cognito: false }),
    /** Custom domain for the HTTP API (certificate in the stack's region). */
    domain: z
      .object({
        name: z.string().min(3),
        certificateArn: z.string().startsWith('arn:'),
      })
      .strict()
      .nullable()
      .default(null),
    /** AWS WAF web ACL with AWS managed rules on the load balancer (compute: fargate). */
    waf: z.boolean().default(false),
    /** Third-party keys kept in Secrets Manager and given to the functions, e.g. OPENAI_API_KEY. */
    secrets: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default([]),
    alarms: z
      .object({
        email: z.string().email().nullable().default(null),
        dailyCostUsd: z.number().positive().default(20),
        p99LatencyMs: z.number().int().positive().default(10_000),
        errorRatePercent: z.number().positive().max(100).default(5),
      })
      .strict()
      .default({ email: null, dailyCostUsd: 20, p99LatencyMs: 10_000, errorRatePercent: 5 }),
    budget: z
      .object({
        monthlyUsd: z.number().positive().default(100),
        email: z.string().email().nullable().default(null),
      })
      .strict()
      .default({ monthlyUsd: 100, email: null }),
    /**
     * Opt-in: these assistants of godwit.config.yaml also become managed Bedrock Agents (CfnAgent with
     * their instructions, model, OpenAPI/Lambda action groups and Bedrock knowledge bases). Empty: none.
     */
    managedAgents: z
      .object({
        /** The Godwit config file that defines the assistants, relative to the working directory. */
        config: z.string().min(1).default('godwit.config.yaml'),
        assistants: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ config: 'godwit.config.yaml', assistants: [] }),
    /** Keep data (tables, buckets, database) when the stack is deleted. */
    retainData: z.boolean().default(true),
  })
  .strict();

export type DeploySettings = z.infer<typeof deploySettingsSchema>;

/** Validates settings; the error lists each wrong key and what was expected. */
export function parseDeploySettings(value: unknown, where = 'deploy settings'): DeploySettings {
  const parsed = deploySettingsSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new Error(`Invalid ${where}:\n${lines.join('\n')}\nSee docs/DEPLOYMENT.md for every key.`);
}
