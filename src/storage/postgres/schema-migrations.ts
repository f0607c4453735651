/**
 * The one schema history shared by PGlite and PostgreSQL. Append new migrations at the end; never edit
 * an applied one. Identifiers use the "C" collation so ordering matches JavaScript string comparison
 * (the memory adapter and keyset cursors rely on it).
 */

export interface Migration {
  id: number;
  name: string;
  /** A migration that needs pgvector is left pending (and retried at the next open) until it is there. */
  requires?: 'vector';
  sql: string;
}

const relationalSchema = `
CREATE TABLE tenants (
  id text COLLATE "C" PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE knowledge_bases (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name text COLLATE "C" NOT NULL,
  description text NOT NULL DEFAULT '',
  embedding_model text,
  embedding_version text,
  embedding_dimension integer,
  -- BM25 statistics, kept in the same transaction as the chunk writes they summarise.
  chunk_count bigint NOT NULL DEFAULT 0,
  term_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT knowledge_bases_name_unique UNIQUE (tenant_id, name)
);

CREATE TABLE documents (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  knowledge_base_id text COLLATE "C" NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
  source text COLLATE "C" NOT NULL,
  mime_type text NOT NULL,
  sha256 text NOT NULL,
  bytes bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
  error text,
  chunk_count integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}',
  blob_key text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT documents_source_unique UNIQUE (knowledge_base_id, source)
);
CREATE INDEX documents_tenant_idx ON documents (tenant_id, knowledge_base_id);

CREATE TABLE chunks (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  knowledge_base_id text COLLATE "C" NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
  document_id text COLLATE "C" NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  position integer NOT NULL,
  text text NOT NULL,
  location jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  token_count integer NOT NULL,
  -- BM25 document length: every analyzed term, repeats included.
  term_count integer NOT NULL,
  -- The analyzed terms, for GIN candidate lookup and document frequencies. A term seen n times has
  -- positions 1..n, so the position count is its frequency (see keyword-terms.ts).
  terms tsvector NOT NULL,
  -- Exact counts of the terms seen more than 256 times (tsvector's position limit); usually NULL.
  term_overflow jsonb,
  CONSTRAINT chunks_pkey PRIMARY KEY (tenant_id, id)
);
CREATE INDEX chunks_scan_idx ON chunks (knowledge_base_id, document_id, position, id);
CREATE INDEX chunks_document_idx ON chunks (document_id);
CREATE INDEX chunks_terms_idx ON chunks USING gin (terms);

CREATE TABLE conversations (
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  title text NOT NULL,
  knowledge_base text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT conversations_pkey PRIMARY KEY (tenant_id, id)
);
CREATE INDEX conversations_recent_idx ON conversations (tenant_id, updated_at DESC, id DESC);

CREATE TABLE messages (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  conversation_id text COLLATE "C" NOT NULL,
  sequence bigint GENERATED ALWAYS AS IDENTITY,
  role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content text NOT NULL,
  parts jsonb NOT NULL DEFAULT '[]',
  citations jsonb NOT NULL DEFAULT '[]',
  model text,
  usage jsonb,
  cost_usd double precision,
  latency_ms double precision,
  status text NOT NULL CHECK (status IN ('pending', 'complete', 'incomplete', 'failed')),
  error text,
  created_at timestamptz NOT NULL,
  CONSTRAINT messages_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT messages_conversation_fk FOREIGN KEY (tenant_id, conversation_id)
    REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation_idx ON messages (tenant_id, conversation_id, created_at, sequence);

CREATE TABLE usage_ledger (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  api_key_id text COLLATE "C",
  model text COLLATE "C" NOT NULL,
  operation text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  cost_usd double precision,
  latency_ms double precision NOT NULL,
  outcome text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT usage_ledger_pkey PRIMARY KEY (tenant_id, id)
);
CREATE INDEX usage_ledger_time_idx ON usage_ledger (tenant_id, created_at);

CREATE TABLE audit_log (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  sequence bigint GENERATED ALWAYS AS IDENTITY,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  CONSTRAINT audit_log_pkey PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_recent_idx ON audit_log (tenant_id, created_at DESC, sequence DESC);
`;

// No fixed dimension: each knowledge base records its own, and searches compare like with like.
const vectorColumn = `
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS embedding vector;
`;

// Keyword search reads postings instead of tsvectors: a query touches only the index entries of its own
// terms. The primary key leads with (base, term) and carries the frequency and the chunk's length, so one
// index-only range scan per query term yields its document frequency (the row count) and every score
// input without visiting the table. No tenant column: a base id is unique across tenants, and every
// search resolves the base under the caller's tenant first.
// Postings have no foreign key (a per-row check would cost more than the insert itself); a base's
// postings go with it through a statement trigger, and a chunk's through its own term list.
// Backfilled from the tsvectors, so overlong terms (never in a tsvector) stay unindexed in old chunks
// until their document is ingested again.
const keywordPostings = `
CREATE TABLE chunk_terms (
  knowledge_base_id text COLLATE "C" NOT NULL,
  term text COLLATE "C" NOT NULL,
  chunk_id text COLLATE "C" NOT NULL,
  frequency integer NOT NULL,
  -- The chunk's BM25 length (chunks.term_count), so scoring never visits the chunk rows.
  chunk_length integer NOT NULL,
  CONSTRAINT chunk_terms_pkey PRIMARY KEY (knowledge_base_id, term, chunk_id) INCLUDE (frequency, chunk_length)
);

CREATE FUNCTION delete_knowledge_base_postings() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM chunk_terms p USING removed_bases r WHERE p.knowledge_base_id = r.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER knowledge_bases_delete_postings AFTER DELETE ON knowledge_bases
  REFERENCING OLD TABLE AS removed_bases
  FOR EACH STATEMENT EXECUTE FUNCTION delete_knowledge_base_postings();

-- The chunk's distinct stored terms: deleting the chunk deletes its postings through the primary key.
ALTER TABLE chunks ADD COLUMN keyword_terms text[] NOT NULL DEFAULT '{}';

-- Every hit returns its chunk's text. Past about 2 kB PostgreSQL compresses it (pglz), and decompressing
-- 100 hits was a tenth of a SciFact search on PGlite; up to a page, rows now stay plain.
ALTER TABLE chunks SET (toast_tuple_target = 8160);

INSERT INTO chunk_terms (knowledge_base_id, term, chunk_id, frequency, chunk_length)
SELECT c.knowledge_base_id, u.lexeme, c.id,
       COALESCE((c.term_overflow ->> u.lexeme)::integer, cardinality(u.positions)), c.term_count
  FROM chunks c CROSS JOIN LATERAL unnest(c.terms) AS u(lexeme, positions, weights);

UPDATE chunks SET keyword_terms = tsvector_to_array(terms);

ALTER TABLE chunks DROP COLUMN terms, DROP COLUMN term_overflow;
`;

// API keys: only the SHA-256 of each secret is stored. The hash is unique across tenants because a request's
// key is looked up by hash alone, before its tenant is known.
const apiKeys = `
CREATE TABLE api_keys (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'user')),
  prefix text NOT NULL,
  hash text COLLATE "C" NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CONSTRAINT api_keys_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT api_keys_hash_unique UNIQUE (hash)
);
CREATE INDEX api_keys_recent_idx ON api_keys (tenant_id, created_at DESC);
`;

// A turn the server stopped (or died) during is `interrupted`, keeping the text said so far. Turns left
// `pending` are found at start through a partial index, which stays as small as the turns in flight.
const interruptedTurns = `
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
  CHECK (status IN ('pending', 'complete', 'incomplete', 'failed', 'interrupted'));
CREATE INDEX messages_pending_idx ON messages (created_at) WHERE status = 'pending';
`;

// An answer grounded on keyword search alone because the embedding provider was down says so.
const degradedAnswers = `
ALTER TABLE messages ADD COLUMN degraded jsonb;
`;

// The audit log is append-only in the database itself: an UPDATE or DELETE of a row fails, whoever sends it.
// Pages are read newest first with ties broken by id, so a page ends at a (created_at, id) to resume after.
// Rate-limit and budget windows are counters that one statement adds to; expired rows are swept as they go.
const governance = `
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP INDEX audit_log_recent_idx;
CREATE INDEX audit_log_recent_idx ON audit_log (tenant_id, created_at DESC, id DESC);
CREATE TABLE rate_counters (
  key text COLLATE "C" PRIMARY KEY,
  value bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_counters_expiry_idx ON rate_counters (expires_at);
`;

// Usage is kept per person: the user a model call was made for (a JWT subject, `key:<id>`, a channel user).
// Rows recorded before have none. A user's rows are read by tenant, user and time.
const usagePerUser = `
ALTER TABLE usage_ledger ADD COLUMN user_id text COLLATE "C";
CREATE INDEX usage_ledger_user_idx ON usage_ledger (tenant_id, user_id, created_at);
`;

// On the embedded database (PGlite) keyword search reads an index held in process instead of postings
// rows, and each chunk row carries its analyzed terms for that index to be built from: its distinct
// stored terms separated by spaces, each followed by `:n` when it occurs n > 1 times (see
// embedded-keyword-index.ts). PostgreSQL keeps the postings table and leaves the column NULL, as it is
// in rows written before; those are analyzed from their text when an index is built.
const keywordFrequencies = `
ALTER TABLE chunks ADD COLUMN keyword_frequencies text;
`;

// The originals of small documents on the embedded database, as rows rather than one new file each (see
// postgres-blob-table.ts). Keys are the blob store's own (tenant first); unused on PostgreSQL and Aurora.
const smallBlobs = `
CREATE TABLE small_blobs (
  key text COLLATE "C" PRIMARY KEY,
  content_type text NOT NULL,
  bytes bytea NOT NULL
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: 'relational schema', sql: relationalSchema },
  { id: 2, name: 'pgvector embeddings', requires: 'vector', sql: vectorColumn },
  { id: 3, name: 'keyword postings', sql: keywordPostings },
  { id: 4, name: 'api keys', sql: apiKeys },
  { id: 5, name: 'interrupted turns', sql: interruptedTurns },
  { id: 6, name: 'degraded answers', sql: degradedAnswers },
  { id: 7, name: 'append-only audit log and counters', sql: governance },
  { id: 8, name: 'usage per user', sql: usagePerUser },
  { id: 9, name: 'keyword frequencies per chunk', sql: keywordFrequencies },
  { id: 10, name: 'small blobs', sql: smallBlobs },
];
