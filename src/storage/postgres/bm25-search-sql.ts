/**
 * BM25 in one SQL statement over the postings table, equal to the reference `Bm25Index`: Lucene idf from
 * document frequencies counted over the whole knowledge base (filtered or not), N and the average length
 * from the base's stored statistics, term frequencies and chunk lengths from the postings themselves.
 * Both passes over a term's postings are range scans of `chunk_terms_pkey`, index-only once the table
 * is vacuumed (see postings-maintenance.ts).
 *
 * Parameters: $1 tenant, $2 knowledge base, $3 distinct query terms, $4 their repeat counts, $5 k, $6 k1,
 * $7 b; `filter` adds conditions on chunk alias `c` from $8 on.
 */
export function bm25SearchSql(filter: string): string {
  // The tenant is checked once, on the base: a base id is unique across tenants, so postings need no
  // tenant column, and with no base row for this tenant there are no weights and so no hits.
  // Counting a term's postings (one short index scan) was measured cheaper than a window count over the
  // postings already read, which needs a sort.
  const weights = `WITH statistics AS MATERIALIZED (
         SELECT kb.chunk_count::float8 AS documents,
                kb.term_count::float8 / GREATEST(kb.chunk_count, 1) AS average_length
           FROM knowledge_bases kb WHERE kb.tenant_id = $1 AND kb.id = $2
       ),
       weights AS MATERIALIZED (
         SELECT q.term,
                q.occurrences * ln(1 + (s.documents - f.frequency + 0.5) / (f.frequency + 0.5)) AS weight,
                $6::float8 * (1 - $7::float8) AS length_base,
                $6::float8 * $7::float8 / s.average_length AS length_scale
           FROM unnest($3::text[], $4::integer[]) AS q(term, occurrences)
          CROSS JOIN statistics s
          CROSS JOIN LATERAL (
            SELECT count(*)::float8 AS frequency FROM chunk_terms t
             WHERE t.knowledge_base_id = $2 AND t.term = q.term
          ) f
          WHERE f.frequency > 0
       ),
       scored AS (
         SELECT p.chunk_id,
                sum(w.weight * p.frequency * ($6::float8 + 1)
                    / (p.frequency + w.length_base + w.length_scale * p.chunk_length)) AS score
           FROM weights w
           JOIN chunk_terms p ON p.knowledge_base_id = $2 AND p.term = w.term
          GROUP BY p.chunk_id
       )`;
  // Without a filter the top k come from the postings alone; with one, scored candidates are joined to
  // their chunk rows before the LIMIT, so the result is the top k among matching chunks.
  const ranked = filter
    ? `SELECT r.chunk_id, r.score FROM scored r
         JOIN chunks c ON c.tenant_id = $1 AND c.id = r.chunk_id
        WHERE c.knowledge_base_id = $2${filter}
        ORDER BY r.score DESC, r.chunk_id
        LIMIT $5`
    : 'SELECT r.chunk_id, r.score FROM scored r ORDER BY r.score DESC, r.chunk_id LIMIT $5';
  // The k rows are fetched by primary key one at a time: LIMIT 1 keeps the subquery from being pulled
  // up into a join, which PGlite (no autovacuum, so no statistics) may plan as a hash over every chunk.
  return `${weights},
       ranked AS (${ranked})
       SELECT h.id, h.document_id, h.knowledge_base_id, h.source, h.location, h.text, r.score, h.metadata
         FROM ranked r
        CROSS JOIN LATERAL (
          SELECT c.id, c.document_id, c.knowledge_base_id, d.source, c.location, c.text, c.metadata
            FROM chunks c JOIN documents d ON d.tenant_id = $1 AND d.id = c.document_id
           WHERE c.tenant_id = $1 AND c.id = r.chunk_id
           LIMIT 1
        ) h
        ORDER BY r.score DESC, r.chunk_id`;
}
