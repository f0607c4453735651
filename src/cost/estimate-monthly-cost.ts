/**
 * A monthly cost estimate for a Godwit deployment on AWS at a given traffic level: the infrastructure of
 * the CDK stack (infra/) line by line, and the model's cost apart, from the model price table. The
 * assumptions (what one chat turn costs in Lambda time, DynamoDB requests, log bytes…) are stated in each
 * line so that a reader can check them; docs/DEPLOYMENT.md explains them.
 */
import { ValidationError } from '../core/errors.ts';
import type { Pricing } from '../core/models.ts';
import { AWS_PRICES, HOURS_PER_MONTH } from './aws-prices.ts';

export type VectorStoreChoice = 'aurora' | 'opensearch' | 's3vectors';
export type ComputeChoice = 'lambda' | 'fargate';

export interface CostEstimateInput {
  /** Chat turns per month. */
  requestsPerMonth: number;
  /** `provider:model-id` answering the turns. */
  model: string;
  /** Prompt tokens per turn (question, history and retrieved passages). Default 1,500. */
  inputTokens?: number;
  /** Answer tokens per turn. Default 300. */
  outputTokens?: number;
  /** Default `aurora` (the stack's default). */
  vectorStore?: VectorStoreChoice;
  /** Default `lambda`. */
  compute?: ComputeChoice;
  /** Documents, conversations and vectors kept, in GB. Default 2. */
  storedGb?: number;
}

export interface CostLine {
  item: string;
  usd: number;
  /** How the figure was reached. */
  basis: string;
}

export interface CostEstimate {
  input: Required<CostEstimateInput>;
  infrastructure: CostLine[];
  infrastructureUsd: number;
  /** Null when the model has no price in the table (never counted as $0). */
  modelUsd: number | null;
  totalUsd: number | null;
  pricesAsOf: string;
  sources: readonly string[];
}

/** A chat turn on Lambda mostly waits on the model: 1,024 MB for about 3 s. */
const LAMBDA_GB_SECONDS_PER_TURN = 1 * 3;
const DYNAMODB_WRITES_PER_TURN = 6;
const DYNAMODB_READS_PER_TURN = 5;
const LOG_BYTES_PER_TURN = 2_000;

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function requirePositive(value: number, field: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ValidationError(
      `${field} must be a ${allowZero ? 'non-negative' : 'positive'} number; got ${value}.`,
      {
        details: { field },
      },
    );
  }
  return value;
}

/**
 * @example
 *   estimateMonthlyCost({ requestsPerMonth: 100_000, model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }, pricing)
 */
export function estimateMonthlyCost(input: CostEstimateInput, pricing: Pricing): CostEstimate {
  const resolved: Required<CostEstimateInput> = {
    requestsPerMonth: requirePositive(input.requestsPerMonth, 'requests', true),
    model: input.model,
    inputTokens: requirePositive(input.inputTokens ?? 1_500, 'input tokens', true),
    outputTokens: requirePositive(input.outputTokens ?? 300, 'output tokens', true),
    vectorStore: input.vectorStore ?? 'aurora',
    compute: input.compute ?? 'lambda',
    storedGb: requirePositive(input.storedGb ?? 2, 'stored GB', true),
  };
  const lines = [
    ...fixedLines(resolved),
    ...(resolved.compute === 'lambda' ? lambdaLines(resolved) : fargateLines()),
    ...dataLines(resolved),
    ...vectorStoreLines(resolved),
  ];
  const infrastructureUsd = round(lines.reduce((sum, line) => sum + line.usd, 0));
  const perTurn = pricing(resolved.model, {
    inputTokens: resolved.inputTokens,
    outputTokens: resolved.outputTokens,
    totalTokens: resolved.inputTokens + resolved.outputTokens,
  });
  const modelUsd = perTurn === null ? null : round(perTurn * resolved.requestsPerMonth);
  return {
    input: resolved,
    infrastructure: lines.map((line) => ({ ...line, usd: round(line.usd) })),
    infrastructureUsd,
    modelUsd,
    totalUsd: modelUsd === null ? null : round(infrastructureUsd + modelUsd),
    pricesAsOf: AWS_PRICES.asOf,
    sources: AWS_PRICES.sources,
  };
}

function fixedLines(input: Required<CostEstimateInput>): CostLine[] {
  const { cloudwatch, kms, secretsManager } = AWS_PRICES;
  const alarms = input.compute === 'lambda' ? 12 : 8;
  return [
    {
      item: 'CloudWatch dashboard, alarms, custom metrics',
      usd: cloudwatch.dashboard + alarms * cloudwatch.perAlarm + 15 * cloudwatch.perCustomMetric,
      basis: `1 dashboard, ${alarms} alarms, about 15 custom metrics from the embedded metric format`,
    },
    { item: 'KMS key (alarm topic)', usd: kms.perKey, basis: '1 customer managed key' },
    { item: 'Secrets Manager', usd: secretsManager.perSecret, basis: '1 secret (database credentials)' },
  ];
}

function lambdaLines(input: Required<CostEstimateInput>): CostLine[] {
  const { lambda, httpApi, logs, xray } = AWS_PRICES;
  const millions = input.requestsPerMonth / 1_000_000;
  const tracedMillions = Math.max(0, input.requestsPerMonth - xray.freeTracesPerMonth) / 1_000_000;
  return [
    {
      item: 'Lambda (arm64)',
      usd:
        input.requestsPerMonth * LAMBDA_GB_SECONDS_PER_TURN * lambda.perGbSecondArm +
        millions * lambda.perMillionRequests,
      basis: `${LAMBDA_GB_SECONDS_PER_TURN} GB-s per turn (1,024 MB × 3 s, mostly waiting on the model)`,
    },
    { item: 'API Gateway HTTP API', usd: millions * httpApi.perMillionRequests, basis: '1 request per turn' },
    {
      item: 'CloudWatch Logs',
      usd: ((input.requestsPerMonth * LOG_BYTES_PER_TURN) / 1e9) * logs.perGbIngested,
      basis: `${LOG_BYTES_PER_TURN.toLocaleString('en-US')} bytes of JSON logs per turn`,
    },
    { item: 'X-Ray', usd: tracedMillions * xray.perMillionTraces, basis: '1 trace per turn, 100,000 free' },
  ];
}

function fargateLines(): CostLine[] {
  const { fargate, loadBalancer, natGateway, elasticache } = AWS_PRICES;
  return [
    {
      item: 'ECS Fargate',
      usd: 2 * (fargate.perVcpuHour + 2 * fargate.perGbHour) * HOURS_PER_MONTH,
      basis: '2 tasks × (1 vCPU, 2 GB), always on',
    },
    {
      item: 'Application Load Balancer',
      usd: loadBalancer.perHour * HOURS_PER_MONTH,
      basis: 'hours, before LCUs',
    },
    { item: 'NAT gateway', usd: natGateway.perHour * HOURS_PER_MONTH, basis: 'hours, before data' },
    {
      item: 'ElastiCache Redis',
      usd: 2 * elasticache.cacheT4gMicroPerHour * HOURS_PER_MONTH,
      basis: '2 × cache.t4g.micro',
    },
  ];
}

function dataLines(input: Required<CostEstimateInput>): CostLine[] {
  const { dynamodb, s3 } = AWS_PRICES;
  const millions = input.requestsPerMonth / 1_000_000;
  return [
    {
      item: 'DynamoDB (on demand)',
      usd:
        millions *
          (DYNAMODB_WRITES_PER_TURN * dynamodb.perMillionWrites +
            DYNAMODB_READS_PER_TURN * dynamodb.perMillionReads) +
        (input.storedGb / 2) * dynamodb.perGbMonth,
      basis: `${DYNAMODB_WRITES_PER_TURN} writes and ${DYNAMODB_READS_PER_TURN} reads per turn; half the stored data`,
    },
    { item: 'S3 (documents)', usd: (input.storedGb / 2) * s3.perGbMonth, basis: 'half the stored data' },
  ];
}

function vectorStoreLines(input: Required<CostEstimateInput>): CostLine[] {
  const { aurora, openSearchServerless, s3Vectors } = AWS_PRICES;
  if (input.vectorStore === 'opensearch') {
    return [
      {
        item: 'OpenSearch Serverless',
        usd: openSearchServerless.minimumOcus * openSearchServerless.perOcuHour * HOURS_PER_MONTH,
        basis: 'floor of 0.5 indexing + 0.5 search OCU, billed whether or not it is queried (redundancy off)',
      },
    ];
  }
  if (input.vectorStore === 's3vectors') {
    return [
      {
        item: 'S3 Vectors',
        usd:
          input.storedGb * 0.25 * s3Vectors.perGbMonth +
          (input.requestsPerMonth / 1_000_000) * s3Vectors.perMillionQueries,
        basis:
          'a quarter of the stored data as vectors; 1 query per turn (plus a per-TB processing charge, small here)',
      },
    ];
  }
  // Aurora Serverless v2 pauses at 0 ACU when idle; busier months keep it awake for longer.
  const activeHours = Math.min(HOURS_PER_MONTH, (input.requestsPerMonth / 100_000) * 250);
  const acu = input.requestsPerMonth >= 1_000_000 ? 1.5 : 1;
  return [
    {
      item: 'Aurora Serverless v2 (0 ACU when idle)',
      usd: activeHours * acu * aurora.perAcuHour + input.storedGb * aurora.perGbMonth,
      basis: `${Math.round(activeHours)} active hours at ${acu} ACU, paused otherwise; storage for all stored data`,
    },
  ];
}
