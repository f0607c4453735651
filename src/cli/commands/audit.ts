import { ValidationError } from '../../core/errors.ts';
import { openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface AuditCommandOptions extends GlobalOptions {
  from?: string;
  to?: string;
  action?: string;
  actor?: string;
  limit?: string;
  json?: boolean;
}

/**
 * `godwit audit`: who did what, newest first: admin actions, failed sign-ins, tool calls, budget alerts.
 * In process it reads the default tenant; through a running server, the tenant of GODWIT_API_KEY (an admin).
 */
export async function auditCommand(options: AuditCommandOptions, output: Output): Promise<number> {
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
    throw new ValidationError(`--limit must be a whole number from 1 to 1000; got "${options.limit}".`);
  }
  const backend = await openBackend({ config: readConfig(options), command: 'audit', output, sample: false });
  try {
    const events = await backend.audit({
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
      ...(options.action ? { action: options.action } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    if (options.json) {
      output.json({ events });
      return 0;
    }
    if (events.length === 0) {
      output.line('No audit events match.');
      return 0;
    }
    output.line('time                      action                 actor                     target');
    for (const event of events) {
      output.line(
        `${event.createdAt.padEnd(25)} ${event.action.padEnd(22)} ${event.actor.padEnd(25)} ${event.target}`,
      );
    }
    return 0;
  } finally {
    await backend.close();
  }
}
