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

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./.godwit'),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
        maxBodyBytes: z.number().int().positive().default(1_048_576),
        maxUploadBytes: z.number().int().positive().default(52_428_800),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, maxBodyBytes: 1_048_576, maxUploadBytes: 52_428_800 }),
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
      })
      .strict()
      .default({ url: null, schema: null }),
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
    /** Load the sample knowledge base `handbook` into a new data dir. */
    sample: z.boolean().default(true),
  })
  .strict();

export type GodwitConfig = z.infer<typeof configSchema>;
