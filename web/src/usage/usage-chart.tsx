import type { UsageTotals } from './summarize-usage.ts';
import { formatNumber } from './summarize-usage.ts';

/** Tokens per day as stacked bars (input below, output above); the table beside it holds the numbers. */
export function UsageChart({ days }: { days: UsageTotals[] }) {
  const width = 640;
  const height = 200;
  const padding = 28;
  const max = Math.max(1, ...days.map((day) => day.inputTokens + day.outputTokens));
  const slot = days.length > 0 ? (width - padding) / days.length : 0;
  const bar = Math.max(4, Math.min(36, slot * 0.7));
  const scale = (tokens: number) => (tokens / max) * (height - padding);
  const total = days.reduce((sum, day) => sum + day.inputTokens + day.outputTokens, 0);
  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Tokens per day over ${days.length} days, ${formatNumber(total)} in total`}
        preserveAspectRatio="xMidYMid meet"
      >
        <line x1={padding} y1={height - padding} x2={width} y2={height - padding} className="axis" />
        <text x={0} y={12} className="axis-label">
          {formatNumber(max)}
        </text>
        {days.map((day, position) => {
          const x = padding + position * slot + (slot - bar) / 2;
          const inputHeight = scale(day.inputTokens);
          const outputHeight = scale(day.outputTokens);
          const base = height - padding;
          return (
            <g key={day.key}>
              <title>{`${day.key}: ${formatNumber(day.inputTokens)} input, ${formatNumber(day.outputTokens)} output tokens`}</title>
              <rect x={x} y={base - inputHeight} width={bar} height={inputHeight} className="bar-input" />
              <rect
                x={x}
                y={base - inputHeight - outputHeight}
                width={bar}
                height={outputHeight}
                className="bar-output"
              />
              {days.length <= 14 || position % Math.ceil(days.length / 10) === 0 ? (
                <text x={x + bar / 2} y={height - 10} textAnchor="middle" className="axis-label">
                  {day.key.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="legend input" /> input tokens <span className="legend output" /> output tokens
      </figcaption>
    </figure>
  );
}
