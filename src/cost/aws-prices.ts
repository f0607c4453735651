/**
 * AWS unit prices the monthly estimate uses: us-east-1 list prices as published in 2025 (not re-checked
 * since; confirm on the pricing pages before relying on them). Model prices come from the model price
 * table (src/providers/price-table.ts), not from here.
 */
export const AWS_PRICES = {
  asOf: '2025 list prices, us-east-1',
  sources: [
    'aws.amazon.com/lambda/pricing',
    'aws.amazon.com/api-gateway/pricing',
    'aws.amazon.com/dynamodb/pricing/on-demand',
    'aws.amazon.com/rds/aurora/pricing',
    'aws.amazon.com/opensearch-service/pricing',
    'aws.amazon.com/s3/pricing (S3 Vectors)',
    'aws.amazon.com/cloudwatch/pricing',
    'aws.amazon.com/xray/pricing',
    'aws.amazon.com/fargate/pricing, aws.amazon.com/elasticloadbalancing/pricing, aws.amazon.com/vpc/pricing, aws.amazon.com/elasticache/pricing',
  ],
  lambda: { perGbSecondArm: 0.0000133334, perMillionRequests: 0.2 },
  httpApi: { perMillionRequests: 1.0 },
  dynamodb: { perMillionWrites: 0.625, perMillionReads: 0.125, perGbMonth: 0.25 },
  s3: { perGbMonth: 0.023 },
  logs: { perGbIngested: 0.5 },
  xray: { perMillionTraces: 5, freeTracesPerMonth: 100_000 },
  cloudwatch: { dashboard: 3, perAlarm: 0.1, perCustomMetric: 0.3 },
  kms: { perKey: 1 },
  secretsManager: { perSecret: 0.4 },
  aurora: { perAcuHour: 0.12, perGbMonth: 0.1 },
  openSearchServerless: { perOcuHour: 0.24, minimumOcus: 1 },
  s3Vectors: { perGbMonth: 0.06, perGbWritten: 0.2, perMillionQueries: 2.5 },
  fargate: { perVcpuHour: 0.04048, perGbHour: 0.004445 },
  loadBalancer: { perHour: 0.0225 },
  natGateway: { perHour: 0.045 },
  elasticache: { cacheT4gMicroPerHour: 0.016 },
} as const;

export const HOURS_PER_MONTH = 730;
