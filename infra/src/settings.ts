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
    /** Origins of front ends hosted elsewhere that may call the API (CORS on the HTTP API and Function URL). */
    cors: z
      .object({
        allowedOrigins: z
          .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected an origin like https://app.example.com'))
          .default([]),
      })
      .strict()
      .default({ allowedOrigins: [] }),
    /** Discord and Slack bots (docs/CHANNELS.md); on Lambda, answers are written by the worker from a queue. */
    channels: z
      .object({
        discord: z
          .object({
            /** The application's public key (not a secret: Discord shows it to anyone with the app). */
            publicKey: z
              .string()
              .regex(/^[0-9a-fA-F]{64}$/, 'expected the 64 hex digits of the Discord public key'),
            applicationId: z.string().regex(/^\d+$/).nullable().default(null),
          })
          .strict()
          .nullable()
          .default(null),
        /** Creates the Slack signing secret and bot token secrets; put their values after the first deploy. */
        slack: z.boolean().default(false),
      })
      .strict()
      .default({ discord: null, slack: false }),
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
    /**
     * The web app on S3 behind CloudFront, with the API on the same origin (compute: lambda). `false`
     * leaves it out; `domain` serves it under your own name (certificate in us-east-1, as CloudFront needs).
     */
    webApp: z
      .preprocess(
        (value) => (typeof value === 'boolean' ? { enabled: value } : value),
        z
          .object({
            enabled: z.boolean().default(true),
            domain: z
              .object({
                name: z.string().min(3),
                certificateArn: z
                  .string()
                  .regex(
                    /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/.+$/,
                    'expected an ACM certificate ARN in us-east-1 (CloudFront takes certificates from that region only)',
                  ),
              })
              .strict()
              .nullable()
              .default(null),
          })
          .strict(),
      )
      .default({ enabled: true, domain: null }),
    /**
     * The Godwit config file the server runs with (assistants, tools, approvals, knowledge bases), relative to
     * the directory `godwit deploy` runs in. compute: fargate carries it, with the OpenAPI documents its tools
     * name, into the container, and grants `lambda:InvokeFunction` on its `tools.lambda` functions. null: the
     * server runs on the stack's GODWIT_* variables alone.
     */
    config: z.string().min(1).nullable().default(null),
    /** Keep data (tables, buckets, database) when the stack is deleted. */
    retainData: z.boolean().default(true),
  })
  .strict();

export type DeploySettings = z.infer<typeof deploySettingsSchema>;

/** The Slack channel's secrets, as the variables they provide. */
export const SLACK_SECRET_VARIABLES = [
  'GODWIT_CHANNELS__SLACK__SIGNING_SECRET',
  'GODWIT_CHANNELS__SLACK__BOT_TOKEN',
] as const;

/** Every variable the stack keeps in Secrets Manager: `secrets` plus those of the channels turned on. */
export function secretVariables(settings: DeploySettings): string[] {
  const channel = settings.channels.slack ? SLACK_SECRET_VARIABLES : [];
  return [...new Set([...settings.secrets, ...channel])];
}

/** True when a Discord or Slack channel is on. */
export function hasChannels(settings: DeploySettings): boolean {
  return settings.channels.discord !== null || settings.channels.slack;
}

/** Validates settings; the error lists each wrong key (named by `keyName`) and what was expected. */
export function parseDeploySettings(
  value: unknown,
  where = 'deploy settings',
  keyName: (path: PropertyKey[]) => string = (path) => path.join('.'),
): DeploySettings {
  const parsed = deploySettingsSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `  - ${keyName(issue.path) || '(root)'}: ${issue.message}`,
  );
  throw new Error(`Invalid ${where}:\n${lines.join('\n')}\nSee docs/DEPLOYMENT.md for every key.`);
}
