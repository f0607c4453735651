/** Builds the SQL for a ChunkFilter, adding its values to the parameter list (never into the text). */
import type { ChunkFilter } from '../../core/ports.ts';

/**
 * Conditions on chunk alias `c`, each prefixed with AND (empty string when there is no filter).
 * `$1` must be the tenant id and `$2` the knowledge base id. An empty list matches nothing.
 */
export function chunkFilterSql(filter: ChunkFilter | undefined, params: unknown[]): string {
  if (!filter) return '';
  const parameter = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (filter.documentIds) conditions.push(`c.document_id = ANY(${parameter(filter.documentIds)}::text[])`);
  if (filter.sources) {
    conditions.push(
      `c.document_id IN (SELECT d.id FROM documents d WHERE d.tenant_id = $1 AND d.knowledge_base_id = $2
         AND d.source = ANY(${parameter(filter.sources)}::text[]))`,
    );
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    // Equality, not containment: `{tags: ["a"]}` must not match `{tags: ["a", "b"]}`.
    conditions.push(`(c.metadata -> ${parameter(key)}::text) = ${parameter(JSON.stringify(value))}::jsonb`);
  }
  return conditions.map((condition) => ` AND ${condition}`).join('');
}
