/**
 * BM25 keyword search for the embedded database (PGlite), from an index held in process. Only one process
 * can open a PGlite data dir, so every write to its chunks passes through this process and the index stays
 * coherent; the database remains the only thing persisted. Each chunk row carries its analyzed term
 * frequencies (`chunks.keyword_frequencies`, see `encodeKeywordFrequencies`), and a knowledge base's index
 * is built from one scan of its rows on its first keyword search. Writes are applied after their
 * transaction commits. The PostgreSQL path, which several instances share, keeps its postings table.
 *
 * Ranking equals the reference `Bm25Index`: Lucene idf over the whole base, k1 and b from the analyzer,
 * the same floating-point operations in the same order, ties by chunk id.
 *
 * Layout per base: chunks get integer slots; postings are a compact segment (all terms' postings in two
 * Int32Arrays, delimited by per-term offsets) plus a small per-term delta of what was written since the
 * segment was built, merged into a new segment once it grows. A removed chunk is a tombstone until the
 * next merge, which also renumbers the slots.
 */
import { BM25 } from '../../core/retrieval/analyzer.ts';
import { idf } from '../../core/retrieval/bm25.ts';

/** One chunk as the index takes it: distinct stored terms with their frequencies, and its BM25 length. */
export interface IndexedChunk {
  id: string;
  documentId: string;
  /** Every analyzed term, repeats included (chunks.term_count). */
  length: number;
  terms: readonly string[];
  frequencies: ArrayLike<number>;
}

/** A committed write to one base: `removed` chunk ids go first, then `added` chunks (which replace any
 * chunk of the same id). Both are absolute, so applying a change twice leaves the same state. */
export interface KeywordChange {
  knowledgeBaseId: string;
  removed: readonly string[];
  added: readonly IndexedChunk[];
}

export interface RankedChunk {
  id: string;
  documentId: string;
  score: number;
}

/**
 * The compact column form of a chunk's postings: distinct terms separated by spaces, each followed by
 * `:n` when it occurs n > 1 times. Terms are letters and digits (or `#` and a hex digest), so neither a
 * space nor a colon can occur in one.
 */
export function encodeKeywordFrequencies(terms: readonly string[], frequencies: ArrayLike<number>): string {
  let encoded = '';
  for (let index = 0; index < terms.length; index++) {
    if (index > 0) encoded += ' ';
    encoded += terms[index];
    const frequency = frequencies[index]!;
    if (frequency !== 1) encoded += `:${frequency}`;
  }
  return encoded;
}

export function decodeKeywordFrequencies(encoded: string): { terms: string[]; frequencies: number[] } {
  const terms: string[] = [];
  const frequencies: number[] = [];
  if (encoded.length === 0) return { terms, frequencies };
  for (const token of encoded.split(' ')) {
    const colon = token.indexOf(':');
    if (colon === -1) {
      terms.push(token);
      frequencies.push(1);
    } else {
      terms.push(token.slice(0, colon));
      frequencies.push(Number(token.slice(colon + 1)));
    }
  }
  return { terms, frequencies };
}

const INITIAL_SLOTS = 1024;
/** Delta postings merged into the segment once they pass this share of it (or the floor below). */
const MERGE_SHARE = 0.25;
const MERGE_FLOOR = 50_000;

/** The keyword index of one knowledge base. Not safe to share across bases. */
export class KeywordBaseIndex {
  private readonly termIds = new Map<string, number>();
  // Segment: postings of term t are entries segmentStart[t] .. segmentStart[t + 1] - 1 (terms added since
  // the segment was built have none there).
  private segmentStart = new Int32Array(1);
  private segmentSlots = new Int32Array(0);
  private segmentFrequencies = new Int32Array(0);
  private segmentTerms = 0;
  /** Per term: [slot, frequency, slot, frequency, …] written since the segment was built. */
  private delta: (number[] | undefined)[] = [];
  private deltaPostings = 0;
  /** Postings added in bulk (a build) and not yet merged: parallel typed arrays, in arrival order. */
  private stagedTerms = new Int32Array(0);
  private stagedSlots = new Int32Array(0);
  private stagedFrequencies = new Int32Array(0);
  private staged = 0;

  private ids: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private documentIds: string[] = [];
  private readonly documentIndex = new Map<string, number>();
  private documentOf = new Int32Array(INITIAL_SLOTS);
  private lengths = new Int32Array(INITIAL_SLOTS);
  private alive = new Uint8Array(INITIAL_SLOTS);
  private slots = 0;
  private live = 0;
  private dead = 0;
  private totalLength = 0;
  /** Scratch for one search (searches are synchronous): per-slot scores, zero between searches. */
  private scores = new Float64Array(INITIAL_SLOTS);
  /**
   * Increases whenever a chunk is removed or replaced, so a reader holding ranked ids can tell whether a
   * row it reads since may differ from the chunk it ranked (new chunks alone never change one).
   */
  version = 0;

  get size(): number {
    return this.live;
  }

  /** What the index holds: live chunks, distinct terms, postings and the bytes of its typed arrays. */
  describe(): { chunks: number; terms: number; postings: number; typedArrayBytes: number } {
    if (this.staged > 0) this.merge();
    const arrays = [
      this.segmentStart,
      this.segmentSlots,
      this.segmentFrequencies,
      this.documentOf,
      this.lengths,
      this.alive,
      this.scores,
    ];
    return {
      chunks: this.live,
      terms: this.termIds.size,
      postings: this.segmentSlots.length + this.deltaPostings,
      typedArrayBytes: arrays.reduce((sum, array) => sum + array.byteLength, 0),
    };
  }

  apply(change: KeywordChange): void {
    for (const id of change.removed) this.remove(id);
    for (const chunk of change.added) this.add(chunk);
    if (this.deltaPostings > Math.max(MERGE_FLOOR, MERGE_SHARE * this.segmentSlots.length)) this.merge();
    else if (this.dead > Math.max(INITIAL_SLOTS, this.live)) this.merge();
  }

  /**
   * Adds chunks in bulk (a build): their postings go to typed arrays and into the segment at the next
   * merge (or search), without a growing array per term.
   */
  addAll(chunks: readonly IndexedChunk[]): void {
    for (const chunk of chunks) {
      const slot = this.addRow(chunk);
      const needed = this.staged + chunk.terms.length;
      if (needed > this.stagedTerms.length) this.growStaged(needed);
      for (let index = 0; index < chunk.terms.length; index++) {
        this.stagedTerms[this.staged] = this.termId(chunk.terms[index]!);
        this.stagedSlots[this.staged] = slot;
        this.stagedFrequencies[this.staged++] = chunk.frequencies[index]!;
      }
    }
  }

  private growStaged(needed: number): void {
    const capacity = Math.max(needed, this.stagedTerms.length * 2, 65_536);
    const grow = (from: Int32Array) => {
      const to = new Int32Array(capacity);
      to.set(from.subarray(0, this.staged));
      return to;
    };
    this.stagedTerms = grow(this.stagedTerms);
    this.stagedSlots = grow(this.stagedSlots);
    this.stagedFrequencies = grow(this.stagedFrequencies);
  }

  /** Folds the delta and staged postings into a new segment and drops tombstones (slots are renumbered). */
  merge(): void {
    const renumbered = new Int32Array(this.slots).fill(-1);
    let nextSlot = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.alive[slot]) renumbered[slot] = nextSlot++;
    }
    const termCount = this.delta.length;
    const counts = new Int32Array(termCount);
    for (let term = 0; term < termCount; term++) counts[term] = this.countLive(term);
    for (let entry = 0; entry < this.staged; entry++) {
      if (this.alive[this.stagedSlots[entry]!]) counts[this.stagedTerms[entry]!]!++;
    }
    const start = new Int32Array(termCount + 1);
    let total = 0;
    for (let term = 0; term < termCount; term++) {
      start[term] = total;
      total += counts[term]!;
    }
    start[termCount] = total;
    const slots = new Int32Array(total);
    const frequencies = new Int32Array(total);
    const cursor = start.slice(0, termCount);
    const place = (term: number, oldSlot: number, frequency: number) => {
      const slot = renumbered[oldSlot]!;
      if (slot < 0) return;
      const at = cursor[term]!++;
      slots[at] = slot;
      frequencies[at] = frequency;
    };
    for (let term = 0; term < termCount; term++) {
      if (term < this.segmentTerms) {
        for (let entry = this.segmentStart[term]!; entry < this.segmentStart[term + 1]!; entry++) {
          place(term, this.segmentSlots[entry]!, this.segmentFrequencies[entry]!);
        }
      }
      const list = this.delta[term];
      if (list)
        for (let entry = 0; entry < list.length; entry += 2) place(term, list[entry]!, list[entry + 1]!);
    }
    for (let entry = 0; entry < this.staged; entry++) {
      place(this.stagedTerms[entry]!, this.stagedSlots[entry]!, this.stagedFrequencies[entry]!);
    }
    this.stagedTerms = new Int32Array(0);
    this.stagedSlots = new Int32Array(0);
    this.stagedFrequencies = new Int32Array(0);
    this.staged = 0;
    this.segmentStart = start;
    this.segmentSlots = slots;
    this.segmentFrequencies = frequencies;
    this.segmentTerms = termCount;
    this.delta = new Array(termCount);
    this.deltaPostings = 0;
    if (this.dead > 0) {
      const ids: string[] = new Array(nextSlot);
      const documentOf = new Int32Array(Math.max(INITIAL_SLOTS, nextSlot));
      const lengths = new Int32Array(documentOf.length);
      const alive = new Uint8Array(documentOf.length);
      this.slotOf.clear();
      for (let slot = 0; slot < this.slots; slot++) {
        const to = renumbered[slot]!;
        if (to < 0) continue;
        ids[to] = this.ids[slot]!;
        documentOf[to] = this.documentOf[slot]!;
        lengths[to] = this.lengths[slot]!;
        alive[to] = 1;
        this.slotOf.set(ids[to]!, to);
      }
      this.ids = ids;
      this.documentOf = documentOf;
      this.lengths = lengths;
      this.alive = alive;
      this.slots = nextSlot;
      this.dead = 0;
      this.scores = new Float64Array(documentOf.length);
    }
  }

  /**
   * Scores every chunk that holds a query term. `queryTerms` are stored terms with repeats, in query
   * order (a repeated term counts once per occurrence, as in Lucene). `acceptDocument` filters candidates
   * by document id; statistics stay those of the whole base. Returns the best `k`, best first, ties by id.
   */
  search(
    queryTerms: readonly string[],
    k: number,
    acceptDocument?: (documentId: string) => boolean,
  ): RankedChunk[] {
    if (this.live === 0 || k <= 0) return [];
    if (this.staged > 0) this.merge();
    const accepted = this.acceptedDocuments(acceptDocument);
    const touched: number[] = [];
    this.score(queryTerms, accepted, touched);
    const top = selectTop(touched, k, this.scores, this.ids);
    const ranked = top.map((slot) => ({
      id: this.ids[slot]!,
      documentId: this.documentIds[this.documentOf[slot]!]!,
      score: this.scores[slot]!,
    }));
    for (const slot of touched) this.scores[slot] = 0;
    return ranked;
  }

  private acceptedDocuments(acceptDocument?: (documentId: string) => boolean): Uint8Array | undefined {
    if (!acceptDocument) return undefined;
    const accepted = new Uint8Array(this.documentIds.length);
    for (let index = 0; index < this.documentIds.length; index++) {
      if (acceptDocument(this.documentIds[index]!)) accepted[index] = 1;
    }
    return accepted;
  }

  private score(queryTerms: readonly string[], accepted: Uint8Array | undefined, touched: number[]): void {
    const documentCount = this.live;
    const averageLength = this.totalLength / documentCount;
    const k1 = BM25.k1;
    const b = BM25.b;
    const scores = this.scores;
    const add = (slot: number, frequency: number, weight: number) => {
      if (!this.alive[slot]) return;
      if (accepted && !accepted[this.documentOf[slot]!]) return;
      const length = this.lengths[slot]!;
      const norm = frequency + k1 * (1 - b + (b * length) / averageLength);
      const previous = scores[slot]!;
      if (previous === 0) touched.push(slot);
      scores[slot] = previous + (weight * frequency * (k1 + 1)) / norm;
    };
    for (const text of queryTerms) {
      const term = this.termIds.get(text);
      if (term === undefined) continue;
      const frequency = this.countLive(term);
      if (frequency === 0) continue;
      const weight = idf(documentCount, frequency);
      if (term < this.segmentTerms) {
        const end = this.segmentStart[term + 1]!;
        for (let entry = this.segmentStart[term]!; entry < end; entry++) {
          add(this.segmentSlots[entry]!, this.segmentFrequencies[entry]!, weight);
        }
      }
      const list = this.delta[term];
      if (list)
        for (let entry = 0; entry < list.length; entry += 2) add(list[entry]!, list[entry + 1]!, weight);
    }
  }

  /** A term's document frequency among live chunks of the segment and delta (staged postings are merged first). */
  private countLive(term: number): number {
    let count = 0;
    const counted = (slot: number) => {
      if (this.alive[slot]) count++;
    };
    if (term < this.segmentTerms) {
      const end = this.segmentStart[term + 1]!;
      if (this.dead === 0) count += end - this.segmentStart[term]!;
      else
        for (let entry = this.segmentStart[term]!; entry < end; entry++) counted(this.segmentSlots[entry]!);
    }
    const list = this.delta[term];
    if (list) {
      if (this.dead === 0) count += list.length / 2;
      else for (let entry = 0; entry < list.length; entry += 2) counted(list[entry]!);
    }
    return count;
  }

  private add(chunk: IndexedChunk): void {
    const slot = this.addRow(chunk);
    for (let index = 0; index < chunk.terms.length; index++) {
      const term = this.termId(chunk.terms[index]!);
      let list = this.delta[term];
      if (!list) {
        list = [];
        this.delta[term] = list;
      }
      list.push(slot, chunk.frequencies[index]!);
      this.deltaPostings++;
    }
  }

  /** Gives the chunk a new slot (replacing any chunk of its id) and counts it in the statistics. */
  private addRow(chunk: IndexedChunk): number {
    this.remove(chunk.id);
    const slot = this.slots++;
    if (slot >= this.alive.length) this.grow();
    this.ids[slot] = chunk.id;
    this.slotOf.set(chunk.id, slot);
    let document = this.documentIndex.get(chunk.documentId);
    if (document === undefined) {
      document = this.documentIds.length;
      this.documentIds.push(chunk.documentId);
      this.documentIndex.set(chunk.documentId, document);
    }
    this.documentOf[slot] = document;
    this.lengths[slot] = chunk.length;
    this.alive[slot] = 1;
    this.live++;
    this.totalLength += chunk.length;
    return slot;
  }

  private termId(text: string): number {
    let term = this.termIds.get(text);
    if (term === undefined) {
      term = this.delta.length;
      this.termIds.set(text, term);
      this.delta.push(undefined);
    }
    return term;
  }

  private remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.version++;
    this.slotOf.delete(id);
    this.alive[slot] = 0;
    this.live--;
    this.dead++;
    this.totalLength -= this.lengths[slot]!;
  }

  private grow(): void {
    const capacity = this.alive.length * 2;
    const documentOf = new Int32Array(capacity);
    documentOf.set(this.documentOf);
    const lengths = new Int32Array(capacity);
    lengths.set(this.lengths);
    const alive = new Uint8Array(capacity);
    alive.set(this.alive);
    const scores = new Float64Array(capacity);
    this.documentOf = documentOf;
    this.lengths = lengths;
    this.alive = alive;
    this.scores = scores;
  }
}

/** The best `k` of `slots` by score (descending), ties by id (ascending), with a bounded heap. */
function selectTop(
  slots: readonly number[],
  k: number,
  scores: Float64Array,
  ids: readonly string[],
): number[] {
  // `worse(a, b)`: a ranks below b. The heap keeps the worst of the current best k at its root.
  const worse = (a: number, b: number) => {
    const difference = scores[a]! - scores[b]!;
    if (difference !== 0) return difference < 0;
    return ids[a]! > ids[b]!;
  };
  const heap: number[] = [];
  const siftDown = (from: number) => {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && worse(heap[left]!, heap[worst]!)) worst = left;
      if (right < heap.length && worse(heap[right]!, heap[worst]!)) worst = right;
      if (worst === at) return;
      [heap[at], heap[worst]] = [heap[worst]!, heap[at]!];
      at = worst;
    }
  };
  for (const slot of slots) {
    if (heap.length < k) {
      heap.push(slot);
      let at = heap.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(heap[at]!, heap[parent]!)) break;
        [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
        at = parent;
      }
    } else if (worse(heap[0]!, slot)) {
      heap[0] = slot;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/** Reads a base's chunks from the database, handing them over in batches. */
export type KeywordIndexLoader = (
  tenantId: string,
  knowledgeBaseId: string,
  consume: (chunks: IndexedChunk[]) => void,
) => Promise<void>;

type Entry = {
  /** Resolves once built, with every change committed during the build applied. */
  ready: Promise<KeywordBaseIndex>;
  index?: KeywordBaseIndex;
  /** Changes committed while the build reads the rows, applied in order once it has. */
  pending: KeywordChange[];
};

/** The keyword indexes of every (tenant, knowledge base) of one embedded database. */
export class EmbeddedKeywordIndex {
  private readonly bases = new Map<string, Entry>();

  constructor(private readonly load: KeywordIndexLoader) {}

  /** The base's index, built from its rows the first time (a concurrent caller waits for the same build). */
  base(tenantId: string, knowledgeBaseId: string): Promise<KeywordBaseIndex> {
    const key = baseKey(tenantId, knowledgeBaseId);
    const existing = this.bases.get(key);
    if (existing) return existing.ready;
    const entry: Entry = { pending: [], ready: Promise.resolve(new KeywordBaseIndex()) };
    entry.ready = this.build(tenantId, knowledgeBaseId, entry).catch((error: unknown) => {
      if (this.bases.get(key) === entry) this.bases.delete(key);
      throw error;
    });
    this.bases.set(key, entry);
    return entry.ready;
  }

  private async build(tenantId: string, knowledgeBaseId: string, entry: Entry): Promise<KeywordBaseIndex> {
    const index = new KeywordBaseIndex();
    await this.load(tenantId, knowledgeBaseId, (chunks) => index.addAll(chunks));
    // Every change committed during the scan is applied again in commit order; changes are absolute, so
    // one the scan already saw leaves the same state.
    for (const change of entry.pending) index.apply(change);
    entry.pending = [];
    index.merge();
    entry.index = index;
    return index;
  }

  /** Applies committed changes to the bases whose index is built or being built (others build later). */
  apply(tenantId: string, changes: readonly KeywordChange[]): void {
    for (const change of changes) {
      const entry = this.bases.get(baseKey(tenantId, change.knowledgeBaseId));
      if (!entry) continue;
      if (entry.index) entry.index.apply(change);
      else entry.pending.push(change);
    }
  }

  /** Forgets a base (deleted): its next search, if any, reads the database again. */
  drop(tenantId: string, knowledgeBaseId: string): void {
    this.bases.delete(baseKey(tenantId, knowledgeBaseId));
  }

  /** Bases held in memory (built or building). */
  get baseCount(): number {
    return this.bases.size;
  }
}

function baseKey(tenantId: string, knowledgeBaseId: string): string {
  return `${tenantId}\u0000${knowledgeBaseId}`;
}
