/** The audit trail (who did what, append-only) and the query rules every AuditLog adapter shares. */

export {
  compareAuditEvents,
  DEFAULT_AUDIT_PAGE,
  MAX_AUDIT_PAGE,
  matchesAuditQuery,
  readAuditQuery,
} from './audit-query.ts';
export {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  AuditTrail,
  type AuditTrailOptions,
} from './audit-trail.ts';
