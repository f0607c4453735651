/**
 * BM25 in one SQL statement, equal to the reference `Bm25Index`: Lucene idf from document frequencies
 * counted over the whole knowledge base (filtered or not), N and the average length from the base's
 * stored statistics, and term frequencies read from each candidate's tsvector (see keyword-terms.ts).
 *
 * Parameters: $1 tenant, $2 knowledge base, $3 distinct query terms, $4 their repeat counts, $5 the OR
 * tsquery of the terms, $6 k, $7 k1, $8 b; `filter` adds conditions on chunk alias `c` from $9 on.
 */
export function bm25SearchSql(filter: string): string {
  // The CTEs are MATERIALIZED: inlined, the document-frequency count would run once per candidate.
  return `WITH statistics AS MATERIALIZED (
         SELECT kb.chunk_count::float8 AS documents,
                kb.term_count::float8 / GREATEST(kb.chunk_count, 1) AS average_length
           FROM knowledge_bases kb WHERE kb.tenant_id = $1 AND kb.id = $2
       ),
       weights AS MATERIALIZED (
         SELECT q.term,
                q.occurrences * ln(1 + (s.documents - f.frequency + 0.5) / (f.frequency + 0.5)) AS weight
           FROM unnest($3::text[], $4::integer[]) AS q(term, occurrences)
          CROSS JOIN statistics s
          CROSS JOIN LATERAL (
            SELECT count(*)::float8 AS frequency FROM chunks c
             WHERE c.tenant_id = $1 AND c.knowledge_base_id = $2
               AND c.terms @@ ('''' || q.term || '''')::tsquery
          ) f
          WHERE f.frequency > 0
       ),
       ranked AS (
         SELECT c.id,
                sum(w.weight * f.value * ($7::float8 + 1)
                    / (f.value + $7::float8 * (1 - $8::float8 + $8::float8 * c.term_count / s.average_length))) AS score
           FROM chunks c
          CROSS JOIN statistics s
          -- Only the query's lexemes, with their positions: one pass over each candidate's tsvector.
          CROSS JOIN LATERAL unnest(ts_filter(setweight(c.terms, 'A', $3::text[]), '{a}')) AS u(lexeme, positions, weights)
          JOIN weights w ON w.term = u.lexeme
          CROSS JOIN LATERAL (
            SELECT COALESCE((c.term_overflow ->> u.lexeme)::float8, cardinality(u.positions)::float8) AS value
          ) f
          WHERE c.tenant_id = $1 AND c.knowledge_base_id = $2 AND c.terms @@ $5::tsquery${filter}
          GROUP BY c.id
          ORDER BY score DESC, c.id
          LIMIT $6
       )
       SELECT c.id, c.document_id, c.knowledge_base_id, d.source, c.location, c.text, r.score, c.metadata
         FROM ranked r
         JOIN chunks c ON c.tenant_id = $1 AND c.id = r.id
         JOIN documents d ON d.tenant_id = $1 AND d.id = c.document_id
        ORDER BY r.score DESC, c.id`;
}
