import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Readiness } from '../api/types.ts';
import { liveServerUrl, routeApiCalls, STOPPED_SERVER_URL, serverJson } from '../test-support/live-server.ts';
import { StatusPage } from './status-page.tsx';

describe('StatusPage on a new data dir', () => {
  routeApiCalls();

  it('shows the version, the built-in model and each dependency the server checks', async () => {
    const readiness = await serverJson<Readiness>('/readyz');
    render(<StatusPage />);
    expect(await screen.findByText('All dependencies are healthy.', { exact: false })).toBeInTheDocument();
    expect(screen.getByTestId('version')).toHaveTextContent(readiness.version);
    const fact = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling;
    expect(fact('Chat model')).toHaveTextContent(readiness.provider.model);
    expect(fact('Embedding model')).toHaveTextContent('none (keyword search)');
    expect(fact('Fallback models')).toHaveTextContent('none');
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(
      readiness.checks.map((check) => check.name),
    );
    for (const row of rows) expect(within(row).getByText('healthy')).toBeInTheDocument();
  });
});

describe('StatusPage when the server is stopped', () => {
  let base = STOPPED_SERVER_URL;
  routeApiCalls(() => base);

  it('says the server cannot be reached, and Refresh recovers once it answers', async () => {
    base = STOPPED_SERVER_URL;
    render(<StatusPage />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Godwit server');
    base = liveServerUrl();
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('All dependencies are healthy.', { exact: false })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
