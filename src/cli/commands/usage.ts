import { ValidationError } from '../../core/errors.ts';
import { formatUsd } from '../../core/limits/budget-guard.ts';
import { openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface UsageCommandOptions extends GlobalOptions {
  from?: string;
  to?: string;
  /** `key` (default) or `user`. */
  groupBy?: string;
  user?: string;
  json?: boolean;
}

/**
 * `godwit usage`: calls, tokens and cost by day, model and API key (or user, `--group-by user`), for one
 * user with `--user`. Unpriced calls are flagged, not counted as $0.
 */
export async function usageCommand(options: UsageCommandOptions, output: Output): Promise<number> {
  const groupBy = options.groupBy ?? 'key';
  if (groupBy !== 'key' && groupBy !== 'user') {
    throw new ValidationError(`--group-by must be key or user; got "${groupBy}".`);
  }
  const backend = await openBackend({ config: readConfig(options), command: 'usage', output, sample: false });
  try {
    const { rows, budgets } = await backend.usage({
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
      groupBy,
      ...(options.user ? { user: options.user } : {}),
    });
    if (options.json) {
      output.json({ rows, budgets });
      return 0;
    }
    for (const budget of budgets) {
      const share = budget.limitUsd > 0 ? Math.round((budget.usedUsd / budget.limitUsd) * 100) : 0;
      const alert =
        budget.crossed.length > 0 ? `  (passed ${budget.crossed.map((t) => `${t * 100}%`).join(', ')})` : '';
      output.line(
        `budget ${budget.scope} ${budget.id} per ${budget.period}: $${formatUsd(budget.usedUsd)} of $${formatUsd(budget.limitUsd)} (${share}%)${alert}`,
      );
    }
    if (rows.length === 0) {
      output.line('No model calls recorded in that period.');
      return 0;
    }
    // A user id (`slack:T0123:U0456`) is longer than a key id.
    const width = groupBy === 'user' ? 24 : 10;
    output.line(
      `day         model                                    ${(groupBy === 'user' ? 'user' : 'key').padEnd(width)} calls   tokens in  tokens out        cost`,
    );
    for (const row of rows) {
      const owner = ('userId' in row ? row.userId : 'apiKeyId' in row ? row.apiKeyId : null) ?? '-';
      const cost = row.costUsd === null ? 'unpriced' : `$${row.costUsd.toFixed(4)}`;
      const flag = row.unpricedCalls > 0 && row.costUsd !== null ? ` (+${row.unpricedCalls} unpriced)` : '';
      output.line(
        `${row.day}  ${row.model.padEnd(40)} ${owner.padEnd(width)} ${String(row.calls).padStart(5)} ${String(row.inputTokens).padStart(11)} ${String(row.outputTokens).padStart(11)} ${cost.padStart(11)}${flag}`,
      );
    }
    return 0;
  } finally {
    await backend.close();
  }
}
