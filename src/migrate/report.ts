/** The migration report, as JSON (for machines and --json) and as Markdown (for people and tickets). */
import type { MigrationPlan, MigrationResult } from './run-migration.ts';
import type { Discrepancy, VerifyReport } from './verify.ts';

export interface MigrationReport {
  ok: boolean;
  dryRun: boolean;
  source: string;
  target: string;
  kind: string;
  plan: MigrationPlan;
  result: Omit<MigrationResult, 'plan'> | null;
  verification: VerifyReport | null;
  finishedAt: string;
}

export function buildReport(input: {
  plan: MigrationPlan;
  result: MigrationResult | null;
  verification: VerifyReport | null;
  dryRun: boolean;
  now?: Date;
}): MigrationReport {
  const { plan: _plan, ...result } = input.result ?? { plan: undefined };
  return {
    ok: input.verification ? input.verification.ok : true,
    dryRun: input.dryRun,
    source: input.plan.source.location,
    target: input.plan.target,
    kind: input.plan.source.kind,
    plan: input.plan,
    result: input.result ? (result as Omit<MigrationResult, 'plan'>) : null,
    verification: input.verification,
    finishedAt: (input.now ?? new Date()).toISOString(),
  };
}

export function renderMarkdown(report: MigrationReport): string {
  const { plan } = report;
  const lines = [
    `# Migration report${report.dryRun ? ' (dry run)' : ''}`,
    '',
    `- Source: \`${report.source}\` (${plan.source.name})`,
    `- Target: \`${report.target}\``,
    `- Kind: ${report.kind}; records in the source: ${plan.records}`,
    `- Vectors: ${describeVectors(plan)}`,
  ];
  if (plan.reembed) {
    const cost =
      plan.reembed.estimatedCostUsd === null
        ? 'unpriced model'
        : `$${plan.reembed.estimatedCostUsd.toFixed(4)}`;
    lines.push(
      `- Re-embedding: ${plan.reembed.texts} texts, ~${plan.reembed.estimatedTokens} tokens, estimated cost ${cost}`,
    );
  }
  if (report.result) {
    const result = report.result;
    lines.push(
      `- Written: ${result.written} records in ${result.seconds.toFixed(1)} s (${result.recordsPerSecond.toFixed(0)} records/s)${result.resumedFrom > 0 ? `, resumed after ${result.resumedFrom}` : ''}`,
    );
  }
  lines.push(`- Finished: ${report.finishedAt}`, '');
  if (report.verification) lines.push(...renderVerification(report.verification));
  return `${lines.join('\n')}\n`;
}

function describeVectors(plan: MigrationPlan): string {
  if (plan.vectors === 'none') return 'none (keyword search only)';
  const embedding = plan.embedding;
  const model = `${embedding?.model ?? 'unknown model'}${embedding?.version ? ` (${embedding.version})` : ''}, ${embedding?.dimension ?? '?'} dimensions`;
  return plan.vectors === 'kept' ? `kept as they were: ${model}` : `re-embedded with ${model}`;
}

function renderVerification(verification: VerifyReport): string[] {
  const row = (check: string, discrepancy: Discrepancy | null) =>
    discrepancy === null
      ? `| ${check} | not checked | |`
      : `| ${check} | ${discrepancy.count === 0 ? 'ok' : `${discrepancy.count} differ`} | ${discrepancy.examples.map((id) => `\`${id.replaceAll('|', '\\|')}\``).join(', ')} |`;
  const lines = [
    `## Verification: ${verification.ok ? 'passed' : 'FAILED'}`,
    '',
    `Source records: ${verification.counts.source}; target records: ${verification.counts.target}.`,
    '',
    '| check | result | examples |',
    '| --- | --- | --- |',
    row('missing from the target', verification.missing),
    row('not in the source', verification.unexpected),
    row('duplicate ids', verification.duplicates),
    row('content checksum', verification.content),
    row('metadata', verification.metadata),
    row('vectors', verification.vectors),
  ];
  if (verification.retrieval) {
    const retrieval = verification.retrieval;
    lines.push(
      '',
      `Retrieval agreement: mean top-${retrieval.k} overlap ${(retrieval.meanOverlap * 100).toFixed(1)}% over ${retrieval.queries} sample queries (threshold ${(retrieval.threshold * 100).toFixed(0)}%): ${retrieval.ok ? 'ok' : 'FAILED'}.`,
    );
  }
  if (verification.golden) {
    const golden = verification.golden;
    lines.push(
      '',
      `Golden set: recall@${golden.k} ${(golden.recall * 100).toFixed(1)}% over ${golden.queries} queries.`,
    );
  }
  return lines;
}
