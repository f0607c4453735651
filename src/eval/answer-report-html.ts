/**
 * The HTML form of an answer evaluation report (report.html): one self-contained page — inline CSS and
 * SVG, no script, no external asset — that opens offline and can be attached to a ticket as is.
 */
import type { AnswerReport } from './answer-report.ts';
import { formatFigure } from './answer-report-markdown.ts';
import { COMPARED_METRICS } from './compare-variants.ts';

const COLOURS = ['#2f6fb3', '#d9822b', '#3a9d5d', '#9c4dc4', '#c23b4a', '#6b7a8f'];
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d232b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #d5dae1;padding:.3rem .55rem;text-align:left;vertical-align:top}td.n{text-align:right}
.fail{color:#b42318;font-weight:600}.pass{color:#1a7f37}.legend span{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.answer{max-width:420px;white-space:pre-wrap}svg text{font:11px system-ui,sans-serif;fill:#1d232b}`;

/** Renders the report as a standalone HTML page. */
export function renderHtmlReport(report: AnswerReport): string {
  const sections = [
    `<h1>Answer evaluation: ${escapeHtml(report.set)}</h1>`,
    `<p>${report.questions} questions, ${report.variants.length} variant(s), bootstrap seed ${report.seed}.` +
      (report.thresholds.length > 0
        ? ` Thresholds: <span class="${report.passed ? 'pass">all passed' : 'fail">failed'}</span>.`
        : '') +
      '</p>',
    legend(report),
    '<h2>Metrics</h2>',
    metricBars(report),
    summaryTable(report),
    '<h2>Latency per answer (ms)</h2>',
    distribution(
      report,
      (answer) => answer.latency_ms,
      (value) => `${Math.round(value)} ms`,
    ),
    '<h2>Cost per answer (USD)</h2>',
    distribution(
      report,
      (answer) => answer.cost_usd,
      (value) => `$${value.toFixed(5)}`,
    ),
    ...report.comparisons.map((comparison) => comparisonSection(report, comparison)),
    toolCallSection(report),
    thresholdSection(report),
    judgeSection(report),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Answer evaluation: ${escapeHtml(
    report.set,
  )}</title><style>${STYLE}</style></head><body>${sections.join('\n')}</body></html>\n`;
}

function legend(report: AnswerReport): string {
  const items = report.variants.map(
    (variant, index) =>
      `<span><i class="swatch" style="background:${colour(index)}"></i>${escapeHtml(variant.name)}</span>`,
  );
  return `<p class="legend">${items.join('')}</p>`;
}

/** Grouped bars: one group per metric, one bar per variant, on a 0–1 scale. */
function metricBars(report: AnswerReport): string {
  const barWidth = 18;
  const groupWidth = Math.max(report.variants.length * barWidth + 30, 112);
  const height = 180;
  const top = 16;
  const width = 40 + COMPARED_METRICS.length * groupWidth;
  const parts: string[] = [];
  for (const tick of [0, 0.5, 1]) {
    const y = top + (1 - tick) * height;
    parts.push(`<line x1="34" x2="${width}" y1="${y}" y2="${y}" stroke="#e3e7ec"/>`);
    parts.push(`<text x="2" y="${y + 4}">${tick.toFixed(1)}</text>`);
  }
  COMPARED_METRICS.forEach((metric, group) => {
    const x0 = 40 + group * groupWidth;
    report.variants.forEach((variant, index) => {
      const value = variant.summary[metric];
      if (value === null) return;
      const barHeight = Math.max(value * height, 1);
      const x = x0 + index * barWidth;
      parts.push(
        `<rect x="${x}" y="${top + height - barHeight}" width="${barWidth - 3}" height="${barHeight}" fill="${colour(index)}"><title>${escapeHtml(variant.name)}: ${metric} ${value.toFixed(3)}</title></rect>`,
      );
    });
    parts.push(`<text x="${x0}" y="${top + height + 16}">${metric}</text>`);
  });
  return `<svg role="img" aria-label="metrics per variant" width="${width}" height="${top + height + 26}">${parts.join('')}</svg>`;
}

function summaryTable(report: AnswerReport): string {
  const keys = [
    ...COMPARED_METRICS,
    'false_refusal_rate',
    'judge_agreement',
    'latency_ms_p50',
    'latency_ms_p95',
    'cost_usd_per_answer',
    'tool_calls_per_answer',
    'failed',
  ] as const;
  const header = `<tr><th>metric</th>${report.variants.map((variant) => `<th>${escapeHtml(variant.name)}</th>`).join('')}</tr>`;
  const rows = keys.map(
    (key) =>
      `<tr><td>${key}</td>${report.variants
        .map((variant) => `<td class="n">${formatFigure(variant.summary[key], key)}</td>`)
        .join('')}</tr>`,
  );
  return `<table>${header}${rows.join('')}</table>`;
}

type ReportAnswer = AnswerReport['variants'][number]['answers'][number];

/** A strip plot per variant on a shared axis, with the p50 and p95 marked. */
function distribution(
  report: AnswerReport,
  measure: (answer: ReportAnswer) => number | null,
  label: (value: number) => string,
): string {
  const series = report.variants.map((variant) =>
    variant.answers.map(measure).filter((value): value is number => value !== null),
  );
  const maximum = Math.max(0, ...series.flat());
  if (maximum === 0) return '<p>Not measured (no priced answers, or every value was zero).</p>';
  const width = 760;
  const row = 34;
  const left = 190;
  const scale = (value: number) => left + (value / maximum) * (width - left - 20);
  const parts: string[] = [];
  series.forEach((values, index) => {
    const y = 14 + index * row;
    const name = report.variants[index]!.name;
    parts.push(
      `<text x="0" y="${y + 4}">${escapeHtml(name.length > 28 ? `${name.slice(0, 27)}…` : name)}</text>`,
    );
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#e3e7ec"/>`);
    for (const value of values) {
      parts.push(
        `<circle cx="${scale(value).toFixed(1)}" cy="${y}" r="4" fill="${colour(index)}" fill-opacity="0.55"><title>${label(value)}</title></circle>`,
      );
    }
    for (const [fraction, tag] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
    ] as const) {
      const value = nearestRank(values, fraction);
      if (value === null) continue;
      const x = scale(value).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${y - 9}" y2="${y + 9}" stroke="#1d232b"/>`);
      parts.push(`<text x="${x}" y="${y + 20}" text-anchor="middle">${tag}</text>`);
    }
  });
  const height = 14 + series.length * row + 14;
  parts.push(`<text x="${left}" y="${height - 2}">0</text>`);
  parts.push(`<text x="${width - 20}" y="${height - 2}" text-anchor="end">${label(maximum)}</text>`);
  return `<svg role="img" aria-label="distribution per variant" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function comparisonSection(report: AnswerReport, comparison: AnswerReport['comparisons'][number]): string {
  const rows = COMPARED_METRICS.filter((metric) => comparison.metrics[metric].pairs > 0).map((metric) => {
    const result = comparison.metrics[metric];
    return `<tr><td>${metric}</td><td class="n">${signed(result.mean_difference)}</td><td class="n">[${signed(result.low)}, ${signed(result.high)}]</td><td class="n">${result.p_value.toFixed(3)}</td><td class="n">${result.pairs}</td></tr>`;
  });
  const changed = comparison.changed.map(
    (change) =>
      `<tr><td>${escapeHtml(change.id)}<br>${escapeHtml(change.question)}</td><td>${Object.entries(
        change.deltas,
      )
        .map(([metric, delta]) => `${metric} <b class="${delta < 0 ? 'fail' : 'pass'}">${signed(delta)}</b>`)
        .join(
          '<br>',
        )}</td><td class="answer">${escapeHtml(change.baseline_answer)}</td><td class="answer">${escapeHtml(change.candidate_answer)}</td></tr>`,
  );
  return [
    `<h2>${escapeHtml(comparison.candidate)} against ${escapeHtml(comparison.baseline)}</h2>`,
    '<p>Paired over the questions both variants were scored on; interval and p-value from a paired bootstrap.</p>',
    `<table><tr><th>metric</th><th>difference</th><th>95% interval</th><th>p</th><th>pairs</th></tr>${rows.join('')}</table>`,
    `<h3>Questions that changed (${comparison.changed.length} of ${report.questions})</h3>`,
    changed.length === 0
      ? '<p>No question changed.</p>'
      : `<table><tr><th>question</th><th>change</th><th>${escapeHtml(comparison.baseline)}</th><th>${escapeHtml(comparison.candidate)}</th></tr>${changed.join('')}</table>`,
  ].join('\n');
}

function thresholdSection(report: AnswerReport): string {
  if (report.thresholds.length === 0) return '';
  const rows = report.thresholds.map(
    (outcome) =>
      `<tr><td>${escapeHtml(outcome.variant)}</td><td>${outcome.metric}</td><td class="n">${outcome.minimum}</td><td class="n">${outcome.value === null ? 'not measured' : outcome.value.toFixed(3)}</td><td class="${outcome.passed ? 'pass">pass' : 'fail">FAIL'}</td></tr>`,
  );
  return `<h2>Thresholds</h2><table><tr><th>variant</th><th>metric</th><th>minimum</th><th>value</th><th>result</th></tr>${rows.join('')}</table>`;
}

/** Per question an assistant called tools for (or was expected to): the expected tools and each variant's calls. */
function toolCallSection(report: AnswerReport): string {
  const [first] = report.variants;
  if (!first) return '';
  const rows = first.answers.flatMap((answer, index) => {
    const calls = report.variants.map((variant) => variant.answers[index]?.tool_calls ?? []);
    if (answer.expected_tools === null && calls.every((list) => list.length === 0)) return [];
    const expected = answer.expected_tools === null ? '–' : answer.expected_tools.join(', ') || '(none)';
    const cells = calls.map(
      (list) =>
        `<td>${list.length === 0 ? '(none)' : list.map((call) => `${escapeHtml(call.name)} <small>${escapeHtml(call.state)}</small>`).join(', ')}</td>`,
    );
    return [`<tr><td>${escapeHtml(answer.id)}</td><td>${escapeHtml(expected)}</td>${cells.join('')}</tr>`];
  });
  if (rows.length === 0) return '';
  const header = report.variants.map((variant) => `<th>${escapeHtml(variant.name)}</th>`).join('');
  return `<h2>Tool calls</h2><table><tr><th>question</th><th>expected</th>${header}</tr>${rows.join('')}</table>`;
}

/** Every judge verdict with its raw reply; the full prompt of each behind a disclosure. */
function judgeSection(report: AnswerReport): string {
  const rows = report.variants.flatMap((variant) =>
    variant.answers
      .filter((answer) => answer.judge !== null)
      .map((answer) => {
        const verdict = answer.judge!;
        const figures =
          verdict.error === null
            ? `${verdict.faithfulness?.toFixed(2)} / ${verdict.relevance?.toFixed(2)}`
            : `<span class="fail">${escapeHtml(verdict.error)}</span>`;
        return `<tr><td>${escapeHtml(variant.name)}</td><td>${escapeHtml(answer.id)}</td><td class="n">${figures}</td><td class="answer">${escapeHtml(verdict.raw)}</td><td><details><summary>prompt</summary><pre class="answer">${escapeHtml(verdict.prompt)}</pre></details></td></tr>`;
      }),
  );
  if (rows.length === 0) return '';
  return `<h2>Judge verdicts</h2><table><tr><th>variant</th><th>question</th><th>faithfulness / relevance</th><th>raw reply</th><th>prompt</th></tr>${rows.join('')}</table>`;
}

function nearestRank(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1]!;
}

function colour(index: number): string {
  return COLOURS[index % COLOURS.length]!;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(3)}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
