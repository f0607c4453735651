/** Knowledge bases, documents and chunks for the KnowledgeStore and VectorIndex contracts. */
import { createHash } from 'node:crypto';
import type { KnowledgeStore, VectorIndex } from '../../src/core/ports.ts';
import type {
  Chunk,
  ChunkLocation,
  KnowledgeBase,
  KnowledgeDocument,
  Metadata,
} from '../../src/core/types.ts';

export interface KnowledgeStores {
  knowledge: KnowledgeStore;
  index: VectorIndex;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function createDocument(
  stores: KnowledgeStores,
  tenantId: string,
  knowledgeBase: KnowledgeBase,
  source: string,
  metadata: Metadata = {},
): Promise<KnowledgeDocument> {
  return stores.knowledge.upsertDocument(tenantId, {
    knowledgeBaseId: knowledgeBase.id,
    source,
    mimeType: 'text/plain',
    sha256: sha256(source),
    bytes: source.length,
    metadata,
  });
}

export interface ChunkSpec {
  text: string;
  metadata?: Metadata;
  location?: ChunkLocation;
  embedding?: number[] | null;
  /** Defaults to `${documentId}:${position}`. */
  id?: string;
}

export function makeChunks(document: KnowledgeDocument, specs: readonly (ChunkSpec | string)[]): Chunk[] {
  return specs.map((entry, position) => {
    const spec = typeof entry === 'string' ? { text: entry } : entry;
    return {
      id: spec.id ?? `${document.id}:${position}`,
      tenantId: document.tenantId,
      knowledgeBaseId: document.knowledgeBaseId,
      documentId: document.id,
      position,
      text: spec.text,
      location: spec.location ?? { line: position + 1 },
      metadata: spec.metadata ?? {},
      tokenCount: spec.text.split(/\s+/).filter(Boolean).length,
      embedding: spec.embedding ?? null,
    };
  });
}

/** Writes chunks for a document and returns them. */
export async function storeChunks(
  stores: KnowledgeStores,
  document: KnowledgeDocument,
  specs: readonly (ChunkSpec | string)[],
  hash = sha256(JSON.stringify(specs)),
): Promise<Chunk[]> {
  const chunks = makeChunks(document, specs);
  await stores.index.replaceDocumentChunks(
    document.tenantId,
    { id: document.id, knowledgeBaseId: document.knowledgeBaseId, sha256: hash },
    chunks,
  );
  return chunks;
}

/** A small corpus with shared, repeated and rare words, so BM25's idf, tf and length terms all matter. */
export const HANDBOOK = {
  'leave.md': [
    'Vacation leave: employees accrue vacation days every month and may carry over five vacation days.',
    'Sick leave is paid. Tell your manager before the start of your shift when you are sick.',
    'Parental leave lasts sixteen weeks; parental leave can be split into two blocks.',
    'Unpaid leave needs approval from the department head and human resources.',
  ],
  'expenses.md': [
    'Travel expenses: book flights through the travel portal; economy class for flights under six hours.',
    'Meal expenses at the café are reimbursed up to forty euros a day; the Größe and 東京 offices follow local rules.',
    'Submit expense reports within thirty days, with receipts for every expense over ten dollars.',
    'Expenses expenses expenses: the finance team audits expense reports every quarter.',
  ],
  'security.md': [
    'Passwords must be at least fourteen characters; use the password manager for every account.',
    'Report phishing emails to the security team; never click links in unexpected emails.',
    'Laptops must use full-disk encryption and lock after five minutes.',
    'Access requests for production systems need approval from the security team and your manager.',
  ],
} as const;

export const HANDBOOK_QUERIES = [
  'vacation days',
  'leave',
  'parental leave weeks',
  'expense reports receipts',
  'security team approval',
  'manager manager approval',
  'the flights for travel',
  'passwords encryption laptops five',
  'nothing matches zebra',
  'Café GRÖSSE größe 東京',
];

/** Deterministic rows over a small vocabulary, so terms repeat across thousands of chunks. */
export function syntheticTexts(count: number): string[] {
  const words = [
    'amber',
    'river',
    'cobalt',
    'delta',
    'zinc',
    'harbor',
    'maple',
    'quartz',
    'ember',
    'falcon',
    'granite',
    'willow',
  ];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  return Array.from({ length: count }, (_, row) => {
    const length = 3 + (next() % 12);
    const picked = Array.from({ length }, () => words[next() % words.length]);
    return `row ${row}: ${picked.join(' ')}`;
  });
}
