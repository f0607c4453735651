/**
 * A loopback HTTP server speaking the part of the OpenSearch REST API the OpenSearch VectorIndex uses, with
 * the documented request and response shapes: create index (strict mapping, `knn_vector`), `_mapping`,
 * `_bulk` (NDJSON), `_delete_by_query`, `_search` (`match`, `multi_match`, `knn`, `bool` with `term` /
 * `terms`, `match_all`, `size`, `_source`, `sort` + `search_after`), `_count`, `_refresh`, and errors in
 * OpenSearch's JSON shape. Requests must carry a well-formed SigV4 Authorization header for the service.
 *
 * Scoring: BM25 uses the project's analyzer and reference index (k1 0.9, b 0.4) over the whole index, so
 * filters never change scores, as in OpenSearch; k-NN is exact, scored as OpenSearch documents for each
 * space. Writes are visible at once (the emulator does not model refresh intervals).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyze } from '../../src/core/retrieval/analyzer.ts';
import { Bm25Index } from '../../src/core/retrieval/bm25.ts';
import { describeSigV4Problem } from './emulators/sigv4.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface FieldMapping {
  type?: string;
  dimension?: number;
  method?: { space_type?: string; engine?: string; name?: string };
  enabled?: boolean;
  analyzer?: string;
}

interface EmulatedIndex {
  name: string;
  settings: JsonObject;
  properties: Record<string, FieldMapping>;
  dynamic: string;
  docs: Map<string, JsonObject>;
  versions: Map<string, number>;
  bm25: Bm25Index;
}

export interface OpenSearchEmulatorOptions {
  /** SigV4 service the requests must be signed for. Default `aoss`. */
  service?: 'aoss' | 'es';
}

export interface OpenSearchEmulator {
  url: string;
  /** Method and path of every request, in order. */
  readonly requests: { method: string; path: string; body: string }[];
  /** Names of the indexes that exist. */
  indexNames(): string[];
  /** Makes the next `count` requests fail with this status and OpenSearch error type (and Retry-After, in seconds). */
  failNext(count: number, status: number, type: string, retryAfterSeconds?: number): void;
  /** Leaves the next `count` requests unanswered (the connection stays open until the client gives up). */
  stallNext(count: number): void;
  /**
   * In the next `_bulk` request (or the next `requests` of them), rejects the first `count` items with 429 `es_rejected_execution_exception`
   * without applying them, as a node with a full write queue does; the other items are applied.
   */
  rejectNextBulkItems(count: number, requests?: number): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    readonly index?: string,
  ) {
    super(reason);
  }
}

export async function startOpenSearchEmulator(
  options: OpenSearchEmulatorOptions = {},
): Promise<OpenSearchEmulator> {
  const service = options.service ?? 'aoss';
  const indexes = new Map<string, EmulatedIndex>();
  const requests: { method: string; path: string; body: string }[] = [];
  let failures: { count: number; status: number; type: string; retryAfterSeconds?: number } | undefined;
  let stalls = 0;
  let bulkRejections = { count: 0, requests: 0 };

  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    requests.push({ method, path: url.pathname, body: raw });
    try {
      const problem = describeSigV4Problem(request.headers, service);
      if (problem) throw new HttpError(403, 'security_exception', problem);
      const declared = request.headers['x-amz-content-sha256'];
      if (service === 'aoss' && declared !== createHash('sha256').update(raw).digest('hex')) {
        throw new HttpError(
          403,
          'security_exception',
          'x-amz-content-sha256 is missing or does not match the request body',
        );
      }
      if (stalls > 0) {
        stalls -= 1;
        return;
      }
      if (failures && failures.count > 0) {
        failures.count -= 1;
        if (failures.retryAfterSeconds !== undefined) {
          response.setHeader('retry-after', String(failures.retryAfterSeconds));
        }
        throw new HttpError(failures.status, failures.type, 'injected failure');
      }
      const { status, body } = route(method, url, raw, request.headers['content-type'] ?? '');
      send(response, status, body);
    } catch (error) {
      if (error instanceof HttpError) {
        send(response, error.status, errorBody(error.status, error.type, error.message, error.index));
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        send(response, 500, errorBody(500, 'exception', reason));
      }
    }
  }

  function route(method: string, url: URL, raw: string, contentType: string): { status: number; body: Json } {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [first, second] = parts;
    if (first === '_bulk' && method === 'POST') return bulk(undefined, raw, contentType);
    if (!first) throw new HttpError(400, 'illegal_argument_exception', 'no index or API in the path');
    if (parts.length === 1) {
      if (method === 'PUT') return createIndex(first, parseJson(raw));
      if (method === 'GET') return { status: 200, body: describeIndexes(resolve(first)) };
      if (method === 'DELETE') {
        for (const index of resolve(first)) indexes.delete(index.name);
        return { status: 200, body: { acknowledged: true } };
      }
    }
    if (parts.length === 2) {
      if (second === '_mapping' && method === 'GET') {
        const body: JsonObject = {};
        for (const index of resolve(first)) {
          body[index.name] = { mappings: { dynamic: index.dynamic, properties: index.properties as Json } };
        }
        return { status: 200, body };
      }
      if (second === '_mapping' && method === 'PUT') return putMapping(single(first), parseJson(raw));
      if (second === '_bulk' && method === 'POST') return bulk(first, raw, contentType);
      if (second === '_search' && (method === 'POST' || method === 'GET')) {
        return { status: 200, body: search(resolve(first), raw === '' ? {} : parseJson(raw)) };
      }
      if (second === '_count' && (method === 'POST' || method === 'GET')) {
        const targets = resolve(first);
        const query = raw === '' ? { match_all: {} } : (parseJson(raw).query ?? { match_all: {} });
        let count = 0;
        for (const index of targets) {
          for (const doc of index.docs.values()) if (matches(index, doc, query)) count += 1;
        }
        return { status: 200, body: { count, _shards: shards(targets.length) } };
      }
      if (second === '_delete_by_query' && method === 'POST') {
        const targets = resolve(first);
        const query = parseJson(raw).query;
        if (query === undefined)
          throw new HttpError(400, 'action_request_validation_exception', 'query is missing');
        let deleted = 0;
        for (const index of targets) {
          for (const [id, doc] of [...index.docs]) {
            if (!matches(index, doc, query)) continue;
            remove(index, id);
            deleted += 1;
          }
        }
        return {
          status: 200,
          body: {
            took: 1,
            timed_out: false,
            total: deleted,
            deleted,
            batches: deleted > 0 ? 1 : 0,
            version_conflicts: 0,
            noops: 0,
            retries: { bulk: 0, search: 0 },
            throttled_millis: 0,
            requests_per_second: -1,
            throttled_until_millis: 0,
            failures: [],
          },
        };
      }
      if (second === '_refresh' && method === 'POST') {
        return { status: 200, body: { _shards: shards(resolve(first).length) } };
      }
    }
    throw new HttpError(405, 'method_not_allowed', `no handler for ${method} ${url.pathname}`);
  }

  function createIndex(name: string, body: JsonObject): { status: number; body: Json } {
    if (!/^[a-z0-9][a-z0-9_.+-]*$/.test(name) || name.length > 255) {
      throw new HttpError(
        400,
        'invalid_index_name_exception',
        `Invalid index name [${name}], must be lowercase`,
        name,
      );
    }
    if (indexes.has(name)) {
      throw new HttpError(
        400,
        'resource_already_exists_exception',
        `index [${name}/emulated] already exists`,
        name,
      );
    }
    const settings = asObject(body.settings ?? {});
    const indexSettings = asObject(settings.index ?? {});
    if (service === 'aoss' && indexSettings.number_of_shards !== undefined) {
      throw new HttpError(
        400,
        'illegal_argument_exception',
        'number_of_shards is not supported by serverless collections',
      );
    }
    const mappings = asObject(body.mappings ?? {});
    const properties = asObject(mappings.properties ?? {}) as Record<string, FieldMapping>;
    checkProperties(properties, indexSettings.knn === true);
    indexes.set(name, {
      name,
      settings: indexSettings,
      properties: structuredClone(properties),
      dynamic: typeof mappings.dynamic === 'string' ? mappings.dynamic : 'true',
      docs: new Map(),
      versions: new Map(),
      bm25: new Bm25Index(),
    });
    return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index: name } };
  }

  function putMapping(index: EmulatedIndex, body: JsonObject): { status: number; body: Json } {
    const properties = asObject(body.properties ?? {}) as Record<string, FieldMapping>;
    checkProperties(properties, index.settings.knn === true);
    for (const [field, mapping] of Object.entries(properties)) {
      const existing = index.properties[field];
      if (existing && JSON.stringify(existing) !== JSON.stringify(mapping)) {
        throw new HttpError(
          400,
          'illegal_argument_exception',
          `mapper [${field}] cannot be changed from its current definition`,
        );
      }
      index.properties[field] = structuredClone(mapping);
    }
    return { status: 200, body: { acknowledged: true } };
  }

  function checkProperties(properties: Record<string, FieldMapping>, knnEnabled: boolean): void {
    for (const [field, mapping] of Object.entries(properties)) {
      if (mapping.type !== 'knn_vector') continue;
      if (!Number.isInteger(mapping.dimension) || (mapping.dimension ?? 0) < 1) {
        throw new HttpError(400, 'mapper_parsing_exception', `Dimension value missing for vector: ${field}`);
      }
      if (mapping.method && !knnEnabled) {
        throw new HttpError(
          400,
          'mapper_parsing_exception',
          `Cannot set method for field [${field}] when index.knn is false`,
        );
      }
      const space = mapping.method?.space_type ?? 'l2';
      if (!['l2', 'cosinesimil', 'innerproduct'].includes(space)) {
        throw new HttpError(
          400,
          'mapper_parsing_exception',
          `Unsupported space type [${space}] in the emulator`,
        );
      }
    }
  }

  function bulk(
    defaultIndex: string | undefined,
    raw: string,
    contentType: string,
  ): { status: number; body: Json } {
    if (!contentType.startsWith('application/x-ndjson') && !contentType.startsWith('application/json')) {
      throw new HttpError(406, 'not_acceptable', `Content-Type header [${contentType}] is not supported`);
    }
    if (!raw.endsWith('\n')) {
      throw new HttpError(
        400,
        'illegal_argument_exception',
        'The bulk request must be terminated by a newline [\\n]',
      );
    }
    const lines = raw.split('\n').filter((line) => line.trim() !== '');
    const items: Json[] = [];
    let errors = false;
    let rejecting = bulkRejections.requests > 0 ? bulkRejections.count : 0;
    bulkRejections.requests -= 1;
    for (let position = 0; position < lines.length; position++) {
      const action = parseJson(lines[position]!);
      const [kind] = Object.keys(action);
      const meta = asObject(action[kind ?? ''] ?? {});
      const target = typeof meta._index === 'string' ? meta._index : defaultIndex;
      const id = typeof meta._id === 'string' ? meta._id : undefined;
      if (kind !== 'index' && kind !== 'create' && kind !== 'delete') {
        throw new HttpError(
          400,
          'illegal_argument_exception',
          `Malformed action/metadata line [${position + 1}]`,
        );
      }
      const source = kind === 'delete' ? undefined : parseJson(lines[++position] ?? 'null');
      const item = (status: number, extra: JsonObject): void => {
        items.push({ [kind]: { _index: target ?? null, _id: id ?? null, status, ...extra } });
      };
      if (rejecting > 0) {
        rejecting -= 1;
        errors = true;
        item(429, {
          error: {
            type: 'es_rejected_execution_exception',
            reason: 'rejected execution: the write queue is full',
          },
        });
        continue;
      }
      const index = target ? indexes.get(target) : undefined;
      if (!index || !id) {
        errors = true;
        item(404, { error: { type: 'index_not_found_exception', reason: `no such index [${target}]` } });
        continue;
      }
      if (kind === 'delete') {
        const existed = index.docs.has(id);
        remove(index, id);
        item(existed ? 200 : 404, { result: existed ? 'deleted' : 'not_found' });
        continue;
      }
      const problem = validateDocument(index, asObject(source ?? {}));
      if (problem) {
        errors = true;
        item(400, { error: { type: problem.type, reason: problem.reason } });
        continue;
      }
      if (kind === 'create' && index.docs.has(id)) {
        errors = true;
        item(409, {
          error: { type: 'version_conflict_engine_exception', reason: `[${id}]: document already exists` },
        });
        continue;
      }
      const existed = index.docs.has(id);
      store(index, id, asObject(source ?? {}));
      item(existed ? 200 : 201, {
        _version: index.versions.get(id) ?? 1,
        result: existed ? 'updated' : 'created',
      });
    }
    return { status: 200, body: { took: 1, errors, items } };
  }

  function validateDocument(
    index: EmulatedIndex,
    doc: JsonObject,
  ): { type: string; reason: string } | undefined {
    for (const [field, value] of Object.entries(doc)) {
      const mapping = index.properties[field];
      if (!mapping) {
        if (index.dynamic === 'strict') {
          return {
            type: 'strict_dynamic_mapping_exception',
            reason: `mapping set to strict, dynamic introduction of [${field}] within [_doc] is not allowed`,
          };
        }
        continue;
      }
      if (mapping.type === 'knn_vector') {
        if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'number')) {
          return {
            type: 'mapper_parsing_exception',
            reason: `failed to parse field [${field}] of type [knn_vector]`,
          };
        }
        if (value.length !== mapping.dimension) {
          return {
            type: 'mapper_parsing_exception',
            reason: `Vector dimension mismatch. Expected: ${mapping.dimension}, Given: ${value.length}`,
          };
        }
      }
      if ((mapping.type === 'integer' || mapping.type === 'long') && !Number.isInteger(value)) {
        return {
          type: 'mapper_parsing_exception',
          reason: `failed to parse field [${field}] of type [${mapping.type}]`,
        };
      }
    }
    return undefined;
  }

  function store(index: EmulatedIndex, id: string, doc: JsonObject): void {
    index.docs.set(id, structuredClone(doc));
    index.versions.set(id, (index.versions.get(id) ?? 0) + 1);
    const textFields = Object.entries(index.properties).filter(([, mapping]) => mapping.type === 'text');
    const terms = textFields.flatMap(([field]) =>
      typeof doc[field] === 'string' ? analyze(doc[field] as string) : [],
    );
    index.bm25.add(id, terms);
  }

  function remove(index: EmulatedIndex, id: string): void {
    index.docs.delete(id);
    index.bm25.remove(id);
  }

  function search(targets: EmulatedIndex[], body: JsonObject): JsonObject {
    const size = body.size === undefined ? 10 : Number(body.size);
    if (!Number.isInteger(size) || size < 0)
      throw new HttpError(
        400,
        'illegal_argument_exception',
        `[size] must be non-negative, got ${String(body.size)}`,
      );
    if (size > 10_000) {
      throw new HttpError(
        400,
        'illegal_argument_exception',
        'Result window is too large, from + size must be less than or equal to: [10000]',
      );
    }
    const query = body.query ?? { match_all: {} };
    let scored: { index: EmulatedIndex; id: string; score: number }[] = [];
    for (const index of targets) scored.push(...scoreQuery(index, query));
    const sort = body.sort;
    let sortValues: ((hit: { index: EmulatedIndex; id: string }) => (string | number)[]) | undefined;
    if (sort !== undefined) {
      const fields = (Array.isArray(sort) ? sort : [sort]).map((entry) => {
        if (typeof entry === 'string') return { field: entry, order: 'asc' };
        const [field] = Object.keys(asObject(entry));
        const spec = asObject(entry)[field ?? ''];
        const order = typeof spec === 'string' ? spec : String(asObject(spec ?? {}).order ?? 'asc');
        return { field: field ?? '', order };
      });
      sortValues = (hit) =>
        fields.map(({ field }) => {
          const value = hit.index.docs.get(hit.id)?.[field];
          if (typeof value !== 'string' && typeof value !== 'number') {
            throw new HttpError(
              400,
              'illegal_argument_exception',
              `cannot sort on [${field}]: missing or not a keyword or number`,
            );
          }
          return value;
        });
      const compare = (left: (string | number)[], right: (string | number)[]): number => {
        for (let position = 0; position < fields.length; position++) {
          const a = left[position]!;
          const b = right[position]!;
          const sign = fields[position]!.order === 'desc' ? -1 : 1;
          if (a < b) return -sign;
          if (a > b) return sign;
        }
        return 0;
      };
      const keyed = scored.map((hit) => ({ hit, key: sortValues!(hit) }));
      keyed.sort((left, right) => compare(left.key, right.key));
      let rows = keyed;
      if (body.search_after !== undefined) {
        const after = body.search_after;
        if (!Array.isArray(after) || after.length !== fields.length) {
          throw new HttpError(
            400,
            'illegal_argument_exception',
            'search_after has 1 value(s) but sort has more; they must match',
          );
        }
        rows = keyed.filter((row) => compare(row.key, after as (string | number)[]) > 0);
      }
      scored = rows.map((row) => row.hit);
    } else {
      scored.sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1));
    }
    const page = scored.slice(0, size);
    return {
      took: 1,
      timed_out: false,
      _shards: shards(targets.length),
      hits: {
        total: { value: scored.length, relation: 'eq' },
        max_score: sort !== undefined || page.length === 0 ? null : page[0]!.score,
        hits: page.map((hit) => {
          const rendered: JsonObject = {
            _index: hit.index.name,
            _id: hit.id,
            _score: sort !== undefined ? null : hit.score,
          };
          const source = filterSource(hit.index.docs.get(hit.id)!, body._source);
          if (source) rendered._source = source;
          if (sortValues) rendered.sort = sortValues(hit);
          return rendered;
        }),
      },
    };
  }

  /** Documents that match `query`, with their scores. */
  function scoreQuery(
    index: EmulatedIndex,
    query: Json,
  ): { index: EmulatedIndex; id: string; score: number }[] {
    const clause = asObject(query);
    const [kind] = Object.keys(clause);
    const spec = clause[kind ?? ''];
    if (kind === 'knn') return knn(index, asObject(spec ?? {}));
    if (kind === 'match' || kind === 'multi_match')
      return bm25(index, kind, asObject(spec ?? {}), () => true);
    if (kind === 'bool') {
      const bool = asObject(spec ?? {});
      const must = list(bool.must);
      const scoring = must.filter((entry) => {
        const [inner] = Object.keys(asObject(entry));
        return inner === 'match' || inner === 'multi_match' || inner === 'knn';
      });
      if (scoring.length > 1)
        throw new HttpError(400, 'parsing_exception', 'the emulator scores one match or knn clause per bool');
      const rest: JsonObject = { ...bool, must: must.filter((entry) => !scoring.includes(entry)) };
      const accept = (id: string) => matches(index, index.docs.get(id)!, { bool: rest });
      const first = scoring[0];
      if (first === undefined)
        return [...index.docs.keys()].filter(accept).map((id) => ({ index, id, score: 0 }));
      return scoreQuery(index, first).filter((hit) => accept(hit.id));
    }
    return [...index.docs]
      .filter(([, doc]) => matches(index, doc, query))
      .map(([id]) => ({ index, id, score: 1 }));
  }

  function bm25(
    index: EmulatedIndex,
    kind: string,
    spec: JsonObject,
    accept: (id: string) => boolean,
  ): { index: EmulatedIndex; id: string; score: number }[] {
    let text: Json | undefined;
    if (kind === 'match') {
      const [field] = Object.keys(spec);
      const value = spec[field ?? ''];
      checkTextField(index, field ?? '');
      text = typeof value === 'object' && value !== null && !Array.isArray(value) ? value.query : value;
    } else {
      for (const field of list(spec.fields)) checkTextField(index, String(field));
      text = spec.query;
    }
    if (typeof text !== 'string')
      throw new HttpError(400, 'parsing_exception', `[${kind}] query is malformed, no query text`);
    return index.bm25
      .search(analyze(text), Number.MAX_SAFE_INTEGER, accept)
      .map((hit) => ({ index, id: hit.id, score: hit.score }));
  }

  function checkTextField(index: EmulatedIndex, field: string): void {
    const mapping = index.properties[field];
    if (mapping && mapping.type !== 'text') {
      throw new HttpError(400, 'query_shard_exception', `field [${field}] is not a text field`);
    }
  }

  function knn(
    index: EmulatedIndex,
    spec: JsonObject,
  ): { index: EmulatedIndex; id: string; score: number }[] {
    const [field] = Object.keys(spec);
    const options = asObject(spec[field ?? ''] ?? {});
    const mapping = index.properties[field ?? ''];
    if (mapping?.type !== 'knn_vector') {
      throw new HttpError(400, 'query_shard_exception', `Field '${field}' is not knn_vector type.`);
    }
    const vector = options.vector;
    if (!Array.isArray(vector) || vector.some((value) => typeof value !== 'number')) {
      throw new HttpError(400, 'parsing_exception', '[knn] requires a numeric [vector]');
    }
    if (vector.length !== mapping.dimension) {
      throw new HttpError(
        400,
        'illegal_argument_exception',
        `Query vector has invalid dimension: ${vector.length}. Dimension should be: ${mapping.dimension}`,
      );
    }
    const k = Number(options.k);
    if (!Number.isInteger(k) || k < 1 || k > 10_000) {
      throw new HttpError(
        400,
        'illegal_argument_exception',
        `[knn] requires k to be in the range [1, 10000], got ${String(options.k)}`,
      );
    }
    const space = mapping.method?.space_type ?? 'l2';
    const filter = options.filter;
    const hits: { index: EmulatedIndex; id: string; score: number }[] = [];
    for (const [id, doc] of index.docs) {
      const stored = doc[field ?? ''];
      if (!Array.isArray(stored)) continue;
      if (filter !== undefined && !matches(index, doc, filter)) continue;
      hits.push({ index, id, score: spaceScore(space, vector as number[], stored as number[]) });
    }
    return hits.sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1)).slice(0, k);
  }

  function matches(index: EmulatedIndex, doc: JsonObject, query: Json): boolean {
    const clause = asObject(query);
    const keys = Object.keys(clause);
    if (keys.length !== 1)
      throw new HttpError(
        400,
        'parsing_exception',
        `[query] malformed, expected one query type, got ${keys.length}`,
      );
    const kind = keys[0]!;
    const spec = clause[kind];
    switch (kind) {
      case 'match_all':
        return true;
      case 'term': {
        const [field] = Object.keys(asObject(spec ?? {}));
        let expected = asObject(spec ?? {})[field ?? ''];
        if (typeof expected === 'object' && expected !== null && !Array.isArray(expected))
          expected = expected.value;
        return valuesOf(doc, field ?? '').some((value) => value === expected);
      }
      case 'terms': {
        const [field] = Object.keys(asObject(spec ?? {}));
        const expected = asObject(spec ?? {})[field ?? ''];
        if (!Array.isArray(expected))
          throw new HttpError(400, 'parsing_exception', `[terms] query requires an array for [${field}]`);
        if (expected.length > 65_536)
          throw new HttpError(
            400,
            'illegal_argument_exception',
            'The number of terms [>65536] exceeds index.max_terms_count',
          );
        return valuesOf(doc, field ?? '').some((value) => expected.includes(value));
      }
      case 'bool': {
        const bool = asObject(spec ?? {});
        for (const key of Object.keys(bool)) {
          if (!['must', 'filter', 'must_not', 'should', 'minimum_should_match'].includes(key)) {
            throw new HttpError(400, 'parsing_exception', `[bool] query does not support [${key}]`);
          }
        }
        if (![...list(bool.must), ...list(bool.filter)].every((entry) => matches(index, doc, entry)))
          return false;
        if (list(bool.must_not).some((entry) => matches(index, doc, entry))) return false;
        const should = list(bool.should);
        return should.length === 0 || should.some((entry) => matches(index, doc, entry));
      }
      case 'match':
      case 'multi_match': {
        const hits = bm25(index, kind, asObject(spec ?? {}), () => true);
        const id = [...index.docs].find(([, stored]) => stored === doc)?.[0];
        return hits.some((hit) => hit.id === id);
      }
      default:
        throw new HttpError(400, 'parsing_exception', `unknown query [${kind}]`);
    }
  }

  function resolve(expression: string): EmulatedIndex[] {
    const found: EmulatedIndex[] = [];
    for (const part of expression.split(',')) {
      if (part.includes('*')) {
        const pattern = new RegExp(`^${part.split('*').map(escapeRegExp).join('.*')}$`);
        found.push(...[...indexes.values()].filter((index) => pattern.test(index.name)));
        continue;
      }
      const index = indexes.get(part);
      if (!index) throw new HttpError(404, 'index_not_found_exception', `no such index [${part}]`, part);
      found.push(index);
    }
    return found;
  }

  function single(name: string): EmulatedIndex {
    const index = indexes.get(name);
    if (!index) throw new HttpError(404, 'index_not_found_exception', `no such index [${name}]`, name);
    return index;
  }

  function describeIndexes(targets: EmulatedIndex[]): JsonObject {
    const body: JsonObject = {};
    for (const index of targets) {
      body[index.name] = {
        settings: { index: index.settings },
        mappings: { dynamic: index.dynamic, properties: index.properties as Json },
      };
    }
    return body;
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    indexNames: () => [...indexes.keys()].sort(),
    failNext(count, status, type, retryAfterSeconds) {
      failures = { count, status, type, retryAfterSeconds };
    },
    stallNext(count) {
      stalls = count;
    },
    rejectNextBulkItems(count, requests = 1) {
      bulkRejections = { count, requests };
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

/** OpenSearch's documented score for each space (higher is closer). */
export function spaceScore(space: string, query: number[], stored: number[]): number {
  let dot = 0;
  let queryNorm = 0;
  let storedNorm = 0;
  let squared = 0;
  for (let position = 0; position < query.length; position++) {
    const a = query[position]!;
    const b = stored[position] ?? 0;
    dot += a * b;
    queryNorm += a * a;
    storedNorm += b * b;
    squared += (a - b) ** 2;
  }
  if (space === 'l2') return 1 / (1 + squared);
  if (space === 'innerproduct') {
    const distance = -dot;
    return distance >= 0 ? 1 / (1 + distance) : 1 - distance;
  }
  const cosine = queryNorm === 0 || storedNorm === 0 ? 0 : dot / Math.sqrt(queryNorm * storedNorm);
  return (2 - (1 - cosine)) / 2;
}

function valuesOf(doc: JsonObject, field: string): Json[] {
  const value = doc[field];
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function filterSource(doc: JsonObject, spec: Json | undefined): JsonObject | undefined {
  if (spec === false) return undefined;
  if (spec === undefined || spec === true) return structuredClone(doc);
  const object = Array.isArray(spec) || typeof spec === 'string' ? { includes: spec } : asObject(spec);
  const includes = list(object.includes).map(String);
  const excludes = list(object.excludes).map(String);
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(doc)) {
    if (includes.length > 0 && !includes.includes(key)) continue;
    if (excludes.includes(key)) continue;
    result[key] = structuredClone(value);
  }
  return result;
}

function list(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function asObject(value: Json): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'parsing_exception', `expected an object, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseJson(raw: string): JsonObject {
  try {
    return asObject(JSON.parse(raw) as Json);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(
      400,
      'parse_exception',
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shards(count: number): JsonObject {
  return { total: count, successful: count, skipped: 0, failed: 0 };
}

function errorBody(status: number, type: string, reason: string, index?: string): Json {
  const cause: JsonObject = { type, reason, ...(index ? { index } : {}) };
  return { error: { root_cause: [cause], ...cause }, status };
}

function send(response: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  response.end(text);
}
