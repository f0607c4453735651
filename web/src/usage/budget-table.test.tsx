import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { BudgetTable } from './usage-page.tsx';

describe('BudgetTable', () => {
  it('shows each budget as spent of limit with the alert thresholds passed', () => {
    render(
      <BudgetTable
        budgets={[
          {
            scope: 'tenant',
            id: 'acme',
            period: 'day',
            limitUsd: 50,
            usedUsd: 40,
            reservedUsd: 0.2,
            crossed: [0.5, 0.75],
            resetsAt: '2026-12-08T00:00:00.000Z',
          },
          {
            scope: 'key',
            id: 'acme/key_1',
            period: 'month',
            limitUsd: 10,
            usedUsd: 0,
            reservedUsd: 0,
            crossed: [],
            resetsAt: '2027-01-01T00:00:00.000Z',
          },
        ]}
      />,
    );
    const rows = within(screen.getByRole('table', { name: 'Budgets' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringMatching(/^Tenant acme, per day.*of.*\(80%\)50%, 75%$/),
      expect.stringMatching(/^Key acme\/key_1, per month.*\(0%\)—$/),
    ]);
  });
});
