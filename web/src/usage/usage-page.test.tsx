import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UsageRow } from '../api/types.ts';
import { UsagePage } from './usage-page.tsx';

afterEach(() => {
  vi.unstubAllGlobals();
});

const totals = { calls: 1, inputTokens: 100, outputTokens: 10, costUsd: 0.01, unpricedCalls: 0 };

/** Serves GET /api/usage by key, and by user with `groupBy=user`, as the server answers them. */
function serveUsage(byUser: UsageRow[]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input), 'http://localhost');
      if (url.searchParams.get('groupBy') === 'user') return Response.json({ rows: byUser });
      return Response.json({
        rows: [{ day: '2026-12-07', model: 'openai:gpt-4.1-mini', apiKeyId: null, ...totals, calls: 3 }],
        budgets: [],
      });
    }),
  );
}

describe('UsagePage', () => {
  it('breaks usage down by user when the tenant has several, channel users included', async () => {
    serveUsage([
      { day: '2026-12-07', model: 'openai:gpt-4.1-mini', userId: 'discord:111', ...totals, calls: 2 },
      { day: '2026-12-07', model: 'openai:gpt-4.1-mini', userId: 'slack:T1:U1', ...totals },
    ]);
    render(<UsagePage />);
    const table = await screen.findByRole('table', { name: 'By user' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.querySelector('th')?.textContent)).toEqual(['discord:111', 'slack:T1:U1']);
    expect(rows[0]?.textContent).toContain('2');
  });

  it('leaves the breakdown out when there is one user only (a key sees its own calls)', async () => {
    serveUsage([{ day: '2026-12-07', model: 'openai:gpt-4.1-mini', userId: 'key:k1', ...totals }]);
    render(<UsagePage />);
    await screen.findByRole('table', { name: 'By model' });
    expect(screen.queryByRole('table', { name: 'By user' })).toBeNull();
  });
});
