import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../api/types.ts';
import { routeApiCalls, STOPPED_SERVER_URL, serverJson } from '../test-support/live-server.ts';
import { UsagePage } from './usage-page.tsx';

describe('UsagePage against the server', () => {
  routeApiCalls();

  it('shows the calls the server recorded by day and by model, with the chart', async () => {
    await serverJson('/api/chat', {
      method: 'POST',
      body: JSON.stringify({ message: 'Who approves travel expenses?', knowledgeBase: 'handbook' }),
    });
    const today = new Date().toISOString().slice(0, 10);
    const { rows } = await serverJson<{ rows: UsageRow[] }>(`/api/usage?from=${today}`);
    expect(rows.some((row) => row.model === 'local:extractive')).toBe(true);

    render(<UsagePage />);
    const byModel = within(await screen.findByRole('table', { name: 'By model' }));
    const modelRow = byModel.getByRole('row', { name: /local:extractive/ });
    const calls = Number(within(modelRow).getAllByRole('cell')[0]?.textContent?.replace(/\D/g, ''));
    expect(calls).toBeGreaterThanOrEqual(1);
    // The built-in model is free, and said so: $0, not "unpriced".
    expect(modelRow).not.toHaveTextContent('unpriced');
    expect(
      within(screen.getByRole('table', { name: 'By day' })).getByRole('rowheader', { name: today }),
    ).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Tokens per day over \d+ days/ })).toBeInTheDocument();
    // No API keys on a loopback server with auth off: no per-key table.
    expect(screen.queryByRole('table', { name: 'By API key' })).toBeNull();

    await userEvent.selectOptions(screen.getByLabelText('Period'), '7');
    expect(screen.getByLabelText('Period')).toHaveValue('7');
    await waitFor(() => expect(screen.getByRole('table', { name: 'By model' })).toBeInTheDocument());
  });
});

describe('UsagePage when the server is stopped', () => {
  routeApiCalls(() => STOPPED_SERVER_URL);

  it('says the server cannot be reached instead of showing empty usage', async () => {
    render(<UsagePage />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Godwit server');
    expect(screen.queryByText('No model calls in this period.')).toBeNull();
    expect(screen.queryByText('Loading…')).toBeNull();
  });
});
