import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DependencyError,
  GodwitError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.ts';
import { redactDatabaseUrl, translatePostgresError } from './translate-postgres-error.ts';

const target = 'postgres://app@db.internal:5432/godwit';

function sqlError(code: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`server said ${code}`), { code, ...extra });
}

describe('translatePostgresError', () => {
  it('turns a unique violation on a known constraint into a ConflictError that reads as a sentence', () => {
    const error = translatePostgresError(
      sqlError('23505', { constraint: 'knowledge_bases_name_unique' }),
      target,
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('knowledge base with this name already exists');
  });

  it('maps missing references, bad values and lock conflicts', () => {
    expect(translatePostgresError(sqlError('23503'), target)).toBeInstanceOf(NotFoundError);
    expect(translatePostgresError(sqlError('22P02'), target)).toBeInstanceOf(ValidationError);
    expect(translatePostgresError(sqlError('54000'), target)).toBeInstanceOf(ValidationError);
    const deadlock = translatePostgresError(sqlError('40P01'), target);
    expect(deadlock).toBeInstanceOf(DependencyError);
    expect(deadlock.isRetryable).toBe(true);
  });

  it('names the server, never a password, when it cannot be reached', () => {
    const refused = Object.assign(
      new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      {},
    );
    const error = translatePostgresError(
      refused,
      redactDatabaseUrl('postgres://app:hunter2@db.internal:5432/godwit'),
    );
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toContain('postgres://app@db.internal:5432/godwit');
    expect(error.message).not.toContain('hunter2');
  });

  it('reports a refused login and a missing database as not retryable', () => {
    const login = translatePostgresError(sqlError('28P01'), target);
    expect(login).toBeInstanceOf(DependencyError);
    expect(login.isRetryable).toBe(false);
    expect(translatePostgresError(sqlError('3D000'), target).message).toContain('does not exist');
  });

  it('reports connection faults as retryable, with the reason and a time to wait before retrying', () => {
    const cases: Array<[unknown, string]> = [
      [new Error('timeout exceeded when trying to connect'), 'pool_exhausted'],
      [new Error('Connection terminated due to connection timeout'), 'unreachable'],
      [new Error('Connection terminated unexpectedly'), 'connection_lost'],
      [new Error('Client has encountered a connection error and is not queryable'), 'connection_lost'],
      [new Error('Query read timeout'), 'answer_timeout'],
      [sqlError('57014'), 'statement_timeout'],
      [sqlError('57P01'), 'connection_lost'],
      [sqlError('25P03'), 'idle_in_transaction_timeout'],
      [sqlError('53300'), 'too_many_connections'],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection_lost'],
    ];
    for (const [vendor, reason] of cases) {
      const error = translatePostgresError(vendor, target);
      expect(error, String(vendor)).toBeInstanceOf(DependencyError);
      expect(error.isRetryable).toBe(true);
      expect(error.details).toMatchObject({ dependency: 'postgres', reason });
      expect(error.details?.retryAfterMs).toBeGreaterThan(0);
      expect(error.message).toContain(target);
    }
  });

  it('passes GodwitErrors through and marks anything else internal', () => {
    const own = new ValidationError('mine');
    expect(translatePostgresError(own, target)).toBe(own);
    const other = translatePostgresError(sqlError('42P01'), target);
    expect(other).toBeInstanceOf(GodwitError);
    expect(other.code).toBe('internal');
  });
});

describe('redactDatabaseUrl', () => {
  it('drops the password and the query string', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss@h:6543/db?sslmode=require&password=x')).toBe(
      'postgres://u@h:6543/db',
    );
    expect(redactDatabaseUrl('postgres://h/db')).toBe('postgres://h/db');
    expect(redactDatabaseUrl('not a url')).toBe('(unparseable database URL)');
  });
});
