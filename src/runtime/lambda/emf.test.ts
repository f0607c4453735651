import { describe, expect, it } from 'vitest';
import type { UsageEntry } from '../../core/types.ts';
import { modelLabelerFor } from '../../server/metrics/index.ts';
import { emfLine, usageEmfLine } from './emf.ts';

const entry: UsageEntry = {
  id: 'u-1',
  tenantId: 'default',
  apiKeyId: null,
  userId: null,
  model: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0',
  operation: 'chat',
  inputTokens: 1200,
  outputTokens: 300,
  cachedTokens: 0,
  costUsd: 0.00216,
  latencyMs: 850,
  outcome: 'ok',
  createdAt: new Date('2026-11-23T06:00:00Z'),
};

describe('embedded metric format', () => {
  it('declares each metric with its unit under the Godwit namespace', () => {
    const document = JSON.parse(
      emfLine(
        [{ name: 'FilesIngested', value: 3, unit: 'Count' }],
        { Service: 'ingest' },
        {},
        undefined,
        () => 42,
      ),
    );
    expect(document).toEqual({
      Service: 'ingest',
      FilesIngested: 3,
      _aws: {
        Timestamp: 42,
        CloudWatchMetrics: [
          {
            Namespace: 'Godwit',
            Dimensions: [['Service']],
            Metrics: [{ Name: 'FilesIngested', Unit: 'Count' }],
          },
        ],
      },
    });
  });

  it('publishes tokens and cost per service and per model', () => {
    const document = JSON.parse(usageEmfLine(entry, 'api'));
    expect(document).toMatchObject({
      Service: 'api',
      Model: entry.model,
      InputTokens: 1200,
      OutputTokens: 300,
      CostUsd: 0.00216,
    });
    expect(document._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Service'], ['Service', 'Model']]);
  });

  it('leaves cost out for an unpriced model instead of reporting zero', () => {
    const document = JSON.parse(usageEmfLine({ ...entry, costUsd: null, outcome: 'error' }, 'api'));
    expect(document.CostUsd).toBeUndefined();
    expect(document.ModelErrors).toBe(1);
    expect(
      document._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name),
    ).not.toContain('CostUsd');
  });

  it('publishes a model the server does not know under its grouped label, keeping the name in the log', () => {
    const label = modelLabelerFor({
      embedders: new Map(),
      provider: {
        model: 'openai:gpt-4.1-mini',
        fallbackModels: [],
        embeddingModel: null,
        reason: 'configured',
        availableModels: ['local:extractive', 'openai:*'],
        providers: [{ provider: 'openai', configured: true, reason: 'OPENAI_API_KEY' }],
      },
    });
    const document = JSON.parse(usageEmfLine({ ...entry, model: 'openai:made-up-1' }, 'api', label));
    expect(document).toMatchObject({ Model: 'openai:other', requestedModel: 'openai:made-up-1' });
    expect(JSON.parse(usageEmfLine(entry, 'api', label)).Model).toBe(entry.model);
  });
});
