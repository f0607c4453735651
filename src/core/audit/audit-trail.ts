/**
 * The audit trail: what entry points call to record who did what. Ids and times are filled in here; a
 * failed write is reported (a log line) and never undoes or fails the action it describes, which has
 * already happened by the time it is recorded.
 */
import { randomBytes } from 'node:crypto';
import type { AuditLog, AuditQuery } from '../ports.ts';
import type { AuditEvent, Metadata } from '../types.ts';

/** Actions Godwit records. Names are `<resource>.<verb>`, so `key.` selects every key action. */
export const AUDIT_ACTIONS = [
  'key.create',
  'key.revoke',
  'knowledge_base.create',
  'knowledge_base.delete',
  'document.upload',
  'document.delete',
  'conversation.delete',
  'auth.failure',
  'auth.throttled',
  'rate_limit.exceeded',
  'budget.exceeded',
  'budget.threshold',
  'tool.call',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  tenantId: string;
  /** Who: `key:<id>` for an API key, the token's subject for a JWT, `anonymous` for a failed sign-in. */
  actor: string;
  action: AuditAction;
  /** What it was done to: a key id, a knowledge base name, a tool name… */
  target: string;
  details?: Metadata;
}

export interface AuditTrailOptions {
  log: AuditLog;
  generateId?: () => string;
  now?: () => Date;
  /** Told about a write that failed. Default: a JSON log line on stderr. */
  reportError?: (error: unknown, entry: AuditEntry) => void;
}

export class AuditTrail {
  private readonly log: AuditLog;
  private readonly generateId: () => string;
  private readonly now: () => Date;
  private readonly reportError: (error: unknown, entry: AuditEntry) => void;

  constructor(options: AuditTrailOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.generateId = options.generateId ?? sortableId(this.now);
    this.reportError = options.reportError ?? reportToStderr;
  }

  /** Writes one event; resolves once it is stored (or its failure reported). Never throws. */
  async record(entry: AuditEntry): Promise<void> {
    const event = this.eventOf(entry);
    try {
      await this.log.record(event);
    } catch (error) {
      this.reportError(error, entry);
    }
  }

  /**
   * Writes several events in one write where the log can (`recordMany`), else one by one; resolves once
   * they are stored (or the failure reported, once per entry). Never throws.
   */
  async recordMany(entries: readonly AuditEntry[]): Promise<void> {
    if (!this.log.recordMany) {
      for (const entry of entries) await this.record(entry);
      return;
    }
    const events = entries.map((entry) => this.eventOf(entry));
    try {
      await this.log.recordMany(events);
    } catch (error) {
      for (const entry of entries) this.reportError(error, entry);
    }
  }

  private eventOf(entry: AuditEntry): AuditEvent {
    return {
      id: this.generateId(),
      tenantId: entry.tenantId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: entry.details ?? {},
      createdAt: this.now(),
    };
  }

  /** The tenant's events, newest first (see AuditQuery for filters and paging). */
  list(tenantId: string, query?: AuditQuery): Promise<AuditEvent[]> {
    return this.log.list(tenantId, query);
  }
}

/**
 * Ids that sort as they were made (time, then a counter within this process, then randomness), so events
 * of one instant still list newest first: `evt_` + 9 base-36 time digits + 6 counter digits + 8 hex.
 */
function sortableId(now: () => Date): () => string {
  let sequence = 0;
  return () => {
    sequence = (sequence + 1) % 36 ** 6;
    const time = now().getTime().toString(36).padStart(9, '0');
    return `evt_${time}${sequence.toString(36).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
  };
}

function reportToStderr(error: unknown, entry: AuditEntry): void {
  process.stderr.write(
    `${JSON.stringify({
      level: 'error',
      message: 'audit event not stored',
      action: entry.action,
      tenantId: entry.tenantId,
      target: entry.target,
      error: error instanceof Error ? error.message : String(error),
    })}\n`,
  );
}
