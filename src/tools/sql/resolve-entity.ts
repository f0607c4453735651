/**
 * `resolve_entity`: turns a name the user wrote ("jon smith", "payroll app") into a row of a configured
 * table. Exact (case-insensitive) match first; then the closest names by pg_trgm `similarity`, or — when
 * the database has no pg_trgm — by a lexical fallback (containment, scored by length ratio). One clear
 * winner is returned; close candidates come back with a question to ask the user.
 */
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { jsonSchemaInput } from '../../core/agent/json-schema-input.ts';
import type { JsonValue } from '../../core/types.ts';
import type { ReadOnlyQuery, SqlSourceConfig } from './sql-types.ts';

export type SimilarityKind = 'pg_trgm' | 'lexical';

const CANDIDATES = 5;
/** A candidate wins outright when it is this far ahead of the next one. */
const CLEAR_LEAD = 0.15;

export function resolveEntityTool(options: {
  source: string;
  entities: SqlSourceConfig['entities'];
  minSimilarity: number;
  similarity: SimilarityKind;
  query: ReadOnlyQuery;
}): AgentTool {
  const kinds = Object.keys(options.entities);
  return {
    name: `${options.source}__resolve_entity`,
    description: `Finds a ${kinds.join(' / ')} by the name the user wrote: an exact match, or the closest candidates with similarity scores. When several are close, ask the user which one they meant.`,
    inputSchema: jsonSchemaInput({
      type: 'object',
      properties: {
        entity: { type: 'string', enum: kinds },
        name: { type: 'string', minLength: 1, maxLength: 200 },
      },
      required: ['entity', 'name'],
      additionalProperties: false,
    }),
    readOnly: true,
    kind: 'sql',
    async execute(input, context) {
      const { entity, name } = input as { entity: string; name: string };
      const spec = options.entities[entity]!;
      const table = quoteIdentifier(spec.table);
      const column = quoteIdentifier(spec.column);
      const columns = spec.returns.map(quoteIdentifier).join(', ');
      const exact = await options.query(
        `SELECT ${columns} FROM ${table} WHERE lower(${column}) = lower($1) LIMIT ${CANDIDATES}`,
        [name],
        context.abortSignal,
      );
      if (exact.rows.length === 1) return { match: 'exact', entity: exact.rows[0] as JsonValue };
      if (exact.rows.length > 1)
        return ambiguous(
          entity,
          name,
          exact.rows.map((row) => ({ ...row, score: 1 })),
        );
      const score =
        options.similarity === 'pg_trgm'
          ? `similarity(${column}::text, $1)`
          : `CASE WHEN strpos(lower(${column}::text), lower($1)) > 0 OR strpos(lower($1), lower(${column}::text)) > 0 THEN least(length($1), length(${column}::text))::float / greatest(length($1), length(${column}::text), 1) ELSE 0 END`;
      const similar = await options.query(
        `SELECT ${columns}, ${score} AS score FROM ${table} WHERE ${score} >= $2 ORDER BY score DESC, ${column} LIMIT ${CANDIDATES}`,
        [name, options.minSimilarity],
        context.abortSignal,
      );
      const candidates = similar.rows.map((row) => ({ ...row, score: round(Number(row.score)) }));
      const [best, next] = candidates;
      if (!best) {
        return {
          match: 'none',
          note: `No ${entity} is named like "${name}". Ask the user for the exact name.`,
          similarity: options.similarity,
        };
      }
      if (!next || best.score - next.score >= CLEAR_LEAD) {
        return {
          match: 'similar',
          entity: best as JsonValue,
          candidates: candidates as JsonValue,
          similarity: options.similarity,
        };
      }
      return ambiguous(entity, name, candidates, options.similarity);
    },
  };
}

function ambiguous(
  entity: string,
  name: string,
  candidates: Record<string, unknown>[],
  similarity?: SimilarityKind,
): JsonValue {
  return {
    match: 'ambiguous',
    candidates: candidates as JsonValue,
    question: `Several ${entity} records match "${name}". Ask the user which one they mean.`,
    ...(similarity ? { similarity } : {}),
  };
}

/** Identifiers come from config, already checked against a strict pattern; quoting keeps case and keywords safe. */
function quoteIdentifier(identifier: string): string {
  return identifier
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
