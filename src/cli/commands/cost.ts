import { ValidationError } from '../../core/errors.ts';
import {
  type ComputeChoice,
  type CostEstimate,
  estimateMonthlyCost,
  type VectorStoreChoice,
} from '../../cost/estimate-monthly-cost.ts';
import { createPricing } from '../../providers/pricing.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface CostEstimateOptions extends GlobalOptions {
  requests?: string;
  model?: string;
  inputTokens?: string;
  outputTokens?: string;
  vectorStore?: string;
  compute?: string;
  storedGb?: string;
  json?: boolean;
}

/** The model an AWS deployment answers with when the configuration names none. */
const AWS_DEFAULT_MODEL = 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0';
const TRAFFIC_LEVELS = [0, 10_000, 100_000, 1_000_000];

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.replace(/[_,]/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new ValidationError(
      `${flag} must be a non-negative number (for example 100000, 100k or 1m); got "${value}".`,
    );
  }
  return parsed;
}

function choice<T extends string>(
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(`${flag} must be one of ${allowed.join(', ')}; got "${value}".`);
  }
  return value as T;
}

function usd(value: number | null): string {
  return value === null
    ? 'unpriced'
    : `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * `godwit cost estimate`: what a month of the AWS deployment costs at a traffic level (or at 0, 10k, 100k
 * and 1M chat turns when --requests is not given), infrastructure line by line and the model apart.
 */
export async function costEstimateCommand(options: CostEstimateOptions, output: Output): Promise<number> {
  const config = readConfig(options);
  const requests = number(options.requests, '--requests');
  const shared = {
    model: options.model ?? config.models.default ?? AWS_DEFAULT_MODEL,
    ...(options.inputTokens !== undefined
      ? { inputTokens: number(options.inputTokens, '--input-tokens')! }
      : {}),
    ...(options.outputTokens !== undefined
      ? { outputTokens: number(options.outputTokens, '--output-tokens')! }
      : {}),
    ...(options.storedGb !== undefined ? { storedGb: number(options.storedGb, '--stored-gb')! } : {}),
    ...(options.vectorStore !== undefined
      ? {
          vectorStore: choice<VectorStoreChoice>(options.vectorStore, '--vector-store', [
            'aurora',
            'opensearch',
            's3vectors',
          ])!,
        }
      : {}),
    ...(options.compute !== undefined
      ? { compute: choice<ComputeChoice>(options.compute, '--compute', ['lambda', 'fargate'])! }
      : {}),
  };
  const pricing = createPricing();
  const estimates = (requests === undefined ? TRAFFIC_LEVELS : [requests]).map((requestsPerMonth) =>
    estimateMonthlyCost({ ...shared, requestsPerMonth }, pricing),
  );
  if (options.json) {
    output.json({ estimates });
    return 0;
  }
  if (estimates.length === 1) printDetail(estimates[0]!, output);
  else printLevels(estimates, output);
  const first = estimates[0]!;
  if (first.modelUsd === null) {
    output.info(`${first.input.model} has no price in the model price table: its cost is not included.`);
  }
  output.info(
    `Prices: ${first.pricesAsOf}; confirm on the AWS pricing pages. Assumptions: docs/DEPLOYMENT.md.`,
  );
  return 0;
}

function printDetail(estimate: CostEstimate, output: Output): void {
  const { input } = estimate;
  output.line(
    `${input.requestsPerMonth.toLocaleString('en-US')} chat turns a month on ${input.compute} with ${input.vectorStore}; ${input.model} at ${input.inputTokens} in / ${input.outputTokens} out tokens per turn`,
  );
  for (const line of estimate.infrastructure) {
    output.line(`  ${line.item.padEnd(42)} ${usd(line.usd).padStart(12)}   ${line.basis}`);
  }
  output.line(`  ${'infrastructure'.padEnd(42)} ${usd(estimate.infrastructureUsd).padStart(12)}`);
  output.line(`  ${'model'.padEnd(42)} ${usd(estimate.modelUsd).padStart(12)}`);
  output.line(`  ${'total'.padEnd(42)} ${usd(estimate.totalUsd).padStart(12)}`);
}

function printLevels(estimates: CostEstimate[], output: Output): void {
  const { input } = estimates[0]!;
  output.line(`Monthly cost on ${input.compute} with ${input.vectorStore}; model ${input.model}`);
  output.line(
    `${'turns / month'.padStart(14)} ${'infrastructure'.padStart(15)} ${'model'.padStart(12)} ${'total'.padStart(12)}`,
  );
  for (const estimate of estimates) {
    output.line(
      `${estimate.input.requestsPerMonth.toLocaleString('en-US').padStart(14)} ${usd(estimate.infrastructureUsd).padStart(15)} ${usd(estimate.modelUsd).padStart(12)} ${usd(estimate.totalUsd).padStart(12)}`,
    );
  }
}
