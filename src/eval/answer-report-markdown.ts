/** The Markdown form of an answer evaluation report (report.md), for a pull request or a wiki page. */
import type { AnswerReport } from './answer-report.ts';
import { COMPARED_METRICS } from './compare-variants.ts';

const SUMMARY_ROWS = [
  ['fact_recall', 'fact recall'],
  ['citation_hit', 'citation hit'],
  ['citation_validity', 'citation validity'],
  ['token_f1', 'token F1'],
  ['rouge_l', 'ROUGE-L'],
  ['refusal_rate', 'refusal rate (unanswerable)'],
  ['false_refusal_rate', 'false refusals (answerable)'],
  ['judge_faithfulness', 'judge: faithfulness'],
  ['judge_relevance', 'judge: relevance'],
  ['judge_agreement', 'judge agrees with fact recall'],
  ['tool_recall', 'expected tools called'],
  ['tool_calls_per_answer', 'tool calls per answer'],
  ['latency_ms_p50', 'latency p50 (ms)'],
  ['latency_ms_p95', 'latency p95 (ms)'],
  ['cost_usd_per_answer', 'cost per answer (USD)'],
  ['failed', 'failed turns'],
] as const;

/**
 * Renders the report as Markdown: a summary table (one column per variant), the paired comparisons,
 * the thresholds, and the questions that changed.
 */
export function renderMarkdownReport(report: AnswerReport): string {
  const lines: string[] = [`# Answer evaluation: ${report.set}`, ''];
  lines.push(
    `${report.questions} questions, ${report.variants.length} variant(s), bootstrap seed ${report.seed}.`,
    '',
  );
  lines.push(`| metric | ${report.variants.map((variant) => escapeCell(variant.name)).join(' | ')} |`);
  lines.push(`|---|${report.variants.map(() => '---:').join('|')}|`);
  for (const [key, label] of SUMMARY_ROWS) {
    if (!measured(report, key)) continue;
    const cells = report.variants.map((variant) => formatFigure(variant.summary[key], key));
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  for (const comparison of report.comparisons) {
    lines.push('', `## ${escapeCell(comparison.candidate)} against ${escapeCell(comparison.baseline)}`, '');
    lines.push('| metric | difference | 95% interval | p | pairs |', '|---|---:|---:|---:|---:|');
    for (const metric of COMPARED_METRICS) {
      const result = comparison.metrics[metric];
      if (result.pairs === 0) continue;
      lines.push(
        `| ${metric} | ${signed(result.mean_difference)} | [${signed(result.low)}, ${signed(result.high)}] | ${result.p_value.toFixed(3)} | ${result.pairs} |`,
      );
    }
    lines.push('', comparison.changed.length === 0 ? 'No question changed.' : 'Questions that changed:', '');
    for (const change of comparison.changed) {
      const deltas = Object.entries(change.deltas)
        .map(([metric, delta]) => `${metric} ${signed(delta)}`)
        .join(', ');
      lines.push(`- **${escapeCell(change.id)}** — ${escapeCell(change.question)} (${deltas})`);
      lines.push(
        `  - before: ${quote(change.baseline_answer)}`,
        `  - after: ${quote(change.candidate_answer)}`,
      );
    }
  }
  lines.push(...toolCallLines(report));
  if (report.thresholds.length > 0) {
    lines.push(
      '',
      '## Thresholds',
      '',
      '| variant | metric | minimum | value | result |',
      '|---|---|---:|---:|---|',
    );
    for (const outcome of report.thresholds) {
      const value = outcome.value === null ? 'not measured' : outcome.value.toFixed(3);
      lines.push(
        `| ${escapeCell(outcome.variant)} | ${outcome.metric} | ${outcome.minimum} | ${value} | ${outcome.passed ? 'pass' : '**FAIL**'} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Judge and tool rows appear only when some variant was measured on them. */
function measured(report: AnswerReport, key: (typeof SUMMARY_ROWS)[number][0]): boolean {
  if (key.startsWith('judge_') || key === 'tool_recall')
    return report.variants.some((variant) => variant.summary[key] !== null);
  if (key === 'tool_calls_per_answer')
    return report.variants.some((variant) => variant.summary.tool_calls_per_answer > 0);
  return true;
}

/** One line per question an assistant called tools for (or was expected to): the tools each variant called. */
function toolCallLines(report: AnswerReport): string[] {
  const [first] = report.variants;
  if (!first) return [];
  const rows = first.answers.flatMap((answer, index) => {
    const calls = report.variants.map((variant) => variant.answers[index]?.tool_calls ?? []);
    if (answer.expected_tools === null && calls.every((list) => list.length === 0)) return [];
    const expected = answer.expected_tools === null ? '–' : answer.expected_tools.join(', ') || '(none)';
    const cells = calls.map((list) =>
      list.length === 0 ? '(none)' : list.map((call) => escapeCell(call.name)).join(', '),
    );
    return [`| ${escapeCell(answer.id)} | ${escapeCell(expected)} | ${cells.join(' | ')} |`];
  });
  if (rows.length === 0) return [];
  return [
    '',
    '## Tool calls',
    '',
    `| question | expected | ${report.variants.map((variant) => escapeCell(variant.name)).join(' | ')} |`,
    `|---|---|${report.variants.map(() => '---').join('|')}|`,
    ...rows,
  ];
}

export function formatFigure(value: number | null, key: string): string {
  if (value === null) return '–';
  if (key === 'cost_usd_per_answer') return `$${value.toFixed(6)}`;
  if (key.startsWith('latency') || key === 'failed') return String(Math.round(value));
  if (key === 'tool_calls_per_answer') return value.toFixed(2);
  return value.toFixed(3);
}

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(3)}`;
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === ''
    ? '_(no answer)_'
    : `“${escapeCell(flat.length > 240 ? `${flat.slice(0, 239)}…` : flat)}”`;
}

function escapeCell(text: string): string {
  return text.replace(/[|\\`*_<>]/g, (character) => `\\${character}`);
}
