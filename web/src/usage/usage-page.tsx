import { useEffect, useState } from 'react';
import { apiJson, describeError } from '../api/api-client.ts';
import type { UsageRow } from '../api/types.ts';
import { formatCost, formatNumber, totalsBy, type UsageTotals } from './summarize-usage.ts';
import { UsageChart } from './usage-chart.tsx';

const RANGES = [7, 30, 90] as const;

function TotalsTable({
  caption,
  keyLabel,
  totals,
}: {
  caption: string;
  keyLabel: string;
  totals: UsageTotals[];
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyLabel}</th>
            <th scope="col">Calls</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {totals.map((total) => (
            <tr key={total.key}>
              <th scope="row">{total.key}</th>
              <td>{formatNumber(total.calls)}</td>
              <td>{formatNumber(total.inputTokens)}</td>
              <td>{formatNumber(total.outputTokens)}</td>
              <td>
                {formatCost(total.costUsd)}
                {total.unpricedCalls > 0 ? (
                  <span className="muted"> ({total.unpricedCalls} unpriced)</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A configured budget as `GET /api/usage` reports it. */
export interface BudgetView {
  scope: 'key' | 'user' | 'tenant';
  id: string;
  period: 'day' | 'month';
  limitUsd: number;
  usedUsd: number;
  reservedUsd: number;
  crossed: number[];
  resetsAt: string;
}

/** Each budget: spent against its limit, and the alert thresholds already passed. */
export function BudgetTable({ budgets }: { budgets: BudgetView[] }) {
  return (
    <table className="card">
      <caption>Budgets</caption>
      <thead>
        <tr>
          <th scope="col">Budget</th>
          <th scope="col">Spent</th>
          <th scope="col">Alerts passed</th>
        </tr>
      </thead>
      <tbody>
        {budgets.map((budget) => (
          <tr key={`${budget.scope}:${budget.id}:${budget.period}`}>
            <td>
              {budget.scope === 'tenant' ? 'Tenant' : budget.scope === 'user' ? 'User' : 'Key'} {budget.id},
              per {budget.period}
            </td>
            <td>
              {formatCost(budget.usedUsd)} of {formatCost(budget.limitUsd)} (
              {Math.round((budget.usedUsd / budget.limitUsd) * 100)}%)
            </td>
            <td>
              {budget.crossed.length > 0
                ? budget.crossed.map((t) => `${Math.round(t * 100)}%`).join(', ')
                : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Usage: tokens and cost by day (chart) and by model; by API key when the server reports keys; by user
 * when it reports several (an admin sees every user of the tenant, channel users included).
 */
export function UsagePage() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [rows, setRows] = useState<UsageRow[] | null>(null);
  const [userRows, setUserRows] = useState<UsageRow[]>([]);
  const [budgets, setBudgets] = useState<BudgetView[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const from = isoDay(new Date(Date.now() - (days - 1) * 24 * 60 * 60 * 1000));
    Promise.all([
      apiJson<{ rows: UsageRow[]; budgets?: BudgetView[] }>(`/api/usage?from=${from}`),
      apiJson<{ rows: UsageRow[] }>(`/api/usage?from=${from}&groupBy=user`),
    ])
      .then(([body, byUser]) => {
        setRows(body.rows);
        setUserRows(byUser.rows);
        setBudgets(body.budgets ?? []);
        setError(null);
      })
      .catch((caught) => setError(describeError(caught)));
  }, [days]);

  const byDay = totalsBy(rows ?? [], (row) => row.day.slice(0, 10));
  const byModel = totalsBy(rows ?? [], (row) => row.model);
  const byKey = totalsBy(rows ?? [], (row) => row.apiKeyId ?? '(no key)');
  const hasKeys = (rows ?? []).some((row) => row.apiKeyId != null);
  const byUser = totalsBy(userRows, (row) => row.userId ?? '(no user)');
  const totalCost = byModel.reduce((sum, total) => sum + total.costUsd, 0);
  const totalTokens = byModel.reduce((sum, total) => sum + total.inputTokens + total.outputTokens, 0);

  return (
    <div className="page usage-page">
      <div className="page-header">
        <h1>Usage</h1>
        <div className="field inline">
          <label htmlFor="usage-period">Period</label>
          <select
            id="usage-period"
            value={days}
            onChange={(event) => setDays(Number(event.target.value) as (typeof RANGES)[number])}
          >
            {RANGES.map((range) => (
              <option key={range} value={range}>
                Last {range} days
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? (
        <div className="banner error" role="alert">
          {error}
        </div>
      ) : null}
      {budgets.length > 0 ? <BudgetTable budgets={budgets} /> : null}
      {rows === null && !error ? <p className="muted">Loading…</p> : null}
      {rows && rows.length === 0 ? <p className="muted">No model calls in this period.</p> : null}
      {rows && rows.length > 0 ? (
        <>
          <div className="stat-row">
            <div className="stat card">
              <span className="muted">Tokens</span>
              <strong>{formatNumber(totalTokens)}</strong>
            </div>
            <div className="stat card">
              <span className="muted">Cost</span>
              <strong>{formatCost(totalCost)}</strong>
            </div>
            <div className="stat card">
              <span className="muted">Calls</span>
              <strong>{formatNumber(byModel.reduce((sum, total) => sum + total.calls, 0))}</strong>
            </div>
          </div>
          <UsageChart days={byDay} />
          <TotalsTable caption="By day" keyLabel="Day" totals={byDay} />
          <TotalsTable caption="By model" keyLabel="Model" totals={byModel} />
          {hasKeys ? <TotalsTable caption="By API key" keyLabel="API key" totals={byKey} /> : null}
          {byUser.length > 1 ? <TotalsTable caption="By user" keyLabel="User" totals={byUser} /> : null}
        </>
      ) : null}
    </div>
  );
}
