/**
 * A loopback HTTP server speaking the Amazon S3 Vectors REST JSON protocol as the official client
 * (@aws-sdk/client-s3vectors) sends it: `POST /<Operation>` with a JSON body, JSON replies, and errors as a
 * status, an `x-amzn-errortype` header and `{"message": …}`. Operations: CreateVectorBucket, CreateIndex,
 * GetIndex, ListIndexes, DeleteIndex, PutVectors, GetVectors, ListVectors, DeleteVectors, QueryVectors.
 *
 * It enforces the documented limits (dimension 1–4,096, top-K ≤ 100, 500 vectors per put/delete, 100 per
 * get, 1,000 per list page, 2 KB filterable and 40 KB total metadata, ≤ 50 metadata keys, ≤ 10
 * non-filterable keys), stores vectors as float32, evaluates metadata filters ($eq, $ne, $gt, $gte, $lt,
 * $lte, $in, $nin, $exists, $and, $or; `$eq` on a list matches any element) and ranks exactly by cosine
 * or euclidean distance. Requests must carry a well-formed SigV4 header for service `s3vectors`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeSigV4Problem } from './emulators/sigv4.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface StoredVector {
  key: string;
  data: number[];
  metadata: JsonObject;
}

interface EmulatedIndex {
  name: string;
  bucket: string;
  dimension: number;
  distanceMetric: 'cosine' | 'euclidean';
  nonFilterable: string[];
  creationTime: number;
  vectors: Map<string, StoredVector>;
}

export interface S3VectorsEmulator {
  url: string;
  /** Operation names of every request, in order. */
  readonly operations: string[];
  /** Makes the next `count` requests fail with this status and error type. */
  failNext(count: number, status: number, type: string): void;
  close(): Promise<void>;
}

const LIMITS = {
  maxDimension: 4096,
  maxTopK: 100,
  putBatch: 500,
  deleteBatch: 500,
  getBatch: 100,
  listPage: 1000,
  filterableBytes: 2048,
  totalBytes: 40 * 1024,
  metadataKeys: 50,
  nonFilterableKeys: 10,
};

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startS3VectorsEmulator(
  options: { buckets?: string[] } = {},
): Promise<S3VectorsEmulator> {
  const buckets = new Set(options.buckets ?? []);
  const indexes = new Map<string, EmulatedIndex>();
  const operations: string[] = [];
  let failures: { count: number; status: number; type: string } | undefined;

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\//, '');
    operations.push(operation);
    try {
      const problem = describeSigV4Problem(request.headers, 's3vectors');
      if (problem) throw new ServiceError(403, 'AccessDeniedException', problem);
      if (request.method !== 'POST')
        throw new ServiceError(405, 'ValidationException', 'Only POST is supported');
      if (failures && failures.count > 0) {
        failures.count -= 1;
        throw new ServiceError(failures.status, failures.type, 'injected failure');
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: JsonObject;
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as JsonObject);
      } catch {
        throw new ServiceError(400, 'ValidationException', 'The request body is not valid JSON');
      }
      send(response, 200, dispatch(operation, body));
    } catch (error) {
      if (error instanceof ServiceError) {
        response.writeHead(error.status, {
          'content-type': 'application/json',
          'x-amzn-errortype': error.type,
        });
        response.end(JSON.stringify({ message: error.message }));
      } else {
        response.writeHead(500, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'InternalServerException',
        });
        response.end(JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
      }
    }
  }

  function dispatch(operation: string, body: JsonObject): JsonObject {
    switch (operation) {
      case 'CreateVectorBucket': {
        const name = requireString(body, 'vectorBucketName');
        if (buckets.has(name))
          throw new ServiceError(409, 'ConflictException', `Vector bucket ${name} already exists`);
        buckets.add(name);
        return { vectorBucketArn: `arn:aws:s3vectors:us-east-1:123456789012:bucket/${name}` };
      }
      case 'CreateIndex':
        return createIndex(body);
      case 'GetIndex': {
        const index = findIndex(body);
        return {
          index: {
            vectorBucketName: index.bucket,
            indexName: index.name,
            indexArn: arn(index),
            creationTime: index.creationTime,
            dataType: 'float32',
            dimension: index.dimension,
            distanceMetric: index.distanceMetric,
            metadataConfiguration: { nonFilterableMetadataKeys: index.nonFilterable },
          },
        };
      }
      case 'ListIndexes': {
        const bucket = requireBucket(body);
        const prefix = typeof body.prefix === 'string' ? body.prefix : '';
        const all = [...indexes.values()]
          .filter((index) => index.bucket === bucket && index.name.startsWith(prefix))
          .sort((left, right) => (left.name < right.name ? -1 : 1));
        const { page, nextToken } = paginate(all, body, 500);
        return {
          indexes: page.map((index) => ({
            vectorBucketName: index.bucket,
            indexName: index.name,
            indexArn: arn(index),
            creationTime: index.creationTime,
          })),
          ...(nextToken ? { nextToken } : {}),
        };
      }
      case 'DeleteIndex': {
        const index = findIndex(body);
        indexes.delete(`${index.bucket}/${index.name}`);
        return {};
      }
      case 'PutVectors':
        return putVectors(body);
      case 'GetVectors': {
        const index = findIndex(body);
        const keys = requireList(body, 'keys', LIMITS.getBatch);
        return {
          vectors: keys.flatMap((key) => {
            const vector = index.vectors.get(String(key));
            return vector ? [render(vector, body.returnData === true, body.returnMetadata === true)] : [];
          }),
        };
      }
      case 'ListVectors': {
        const index = findIndex(body);
        if (
          body.maxResults !== undefined &&
          (Number(body.maxResults) < 1 || Number(body.maxResults) > LIMITS.listPage)
        ) {
          throw new ServiceError(
            400,
            'ValidationException',
            `maxResults must be between 1 and ${LIMITS.listPage}`,
          );
        }
        const all = [...index.vectors.values()];
        const { page, nextToken } = paginate(all, body, LIMITS.listPage);
        return {
          vectors: page.map((vector) =>
            render(vector, body.returnData === true, body.returnMetadata === true),
          ),
          ...(nextToken ? { nextToken } : {}),
        };
      }
      case 'DeleteVectors': {
        const index = findIndex(body);
        for (const key of requireList(body, 'keys', LIMITS.deleteBatch)) index.vectors.delete(String(key));
        return {};
      }
      case 'QueryVectors':
        return queryVectors(body);
      default:
        throw new ServiceError(404, 'NotFoundException', `Unknown operation ${operation}`);
    }
  }

  function createIndex(body: JsonObject): JsonObject {
    const bucket = requireBucket(body);
    const name = requireString(body, 'indexName');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
      throw new ServiceError(400, 'ValidationException', `Invalid index name ${name}`);
    }
    if (indexes.has(`${bucket}/${name}`))
      throw new ServiceError(409, 'ConflictException', `Index ${name} already exists`);
    if (body.dataType !== 'float32')
      throw new ServiceError(400, 'ValidationException', 'dataType must be float32');
    const dimension = Number(body.dimension);
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > LIMITS.maxDimension) {
      throw new ServiceError(
        400,
        'ValidationException',
        `dimension must be between 1 and ${LIMITS.maxDimension}`,
      );
    }
    if (body.distanceMetric !== 'cosine' && body.distanceMetric !== 'euclidean') {
      throw new ServiceError(400, 'ValidationException', 'distanceMetric must be cosine or euclidean');
    }
    const configuration = body.metadataConfiguration as JsonObject | undefined;
    const nonFilterable = ((configuration?.nonFilterableMetadataKeys as Json[] | undefined) ?? []).map(
      String,
    );
    if (nonFilterable.length > LIMITS.nonFilterableKeys) {
      throw new ServiceError(
        400,
        'ValidationException',
        `At most ${LIMITS.nonFilterableKeys} non-filterable metadata keys`,
      );
    }
    const index: EmulatedIndex = {
      name,
      bucket,
      dimension,
      distanceMetric: body.distanceMetric,
      nonFilterable,
      creationTime: Math.floor(Date.now() / 1000),
      vectors: new Map(),
    };
    indexes.set(`${bucket}/${name}`, index);
    return { indexArn: arn(index) };
  }

  function putVectors(body: JsonObject): JsonObject {
    const index = findIndex(body);
    const vectors = requireList(body, 'vectors', LIMITS.putBatch);
    const accepted: StoredVector[] = [];
    for (const entry of vectors) {
      const vector = entry as JsonObject;
      const key = requireString(vector, 'key');
      if (key.length > 1024)
        throw new ServiceError(400, 'ValidationException', 'key is longer than 1024 characters');
      const data = (vector.data as JsonObject | undefined)?.float32;
      if (
        !Array.isArray(data) ||
        data.some((value) => typeof value !== 'number' || !Number.isFinite(value))
      ) {
        throw new ServiceError(400, 'ValidationException', `Vector ${key} has no float32 data`);
      }
      if (data.length !== index.dimension) {
        throw new ServiceError(
          400,
          'ValidationException',
          `Vector ${key} has dimension ${data.length}; the index expects ${index.dimension}`,
        );
      }
      const floats = (data as number[]).map(Math.fround);
      if (index.distanceMetric === 'cosine' && floats.every((value) => value === 0)) {
        throw new ServiceError(
          400,
          'ValidationException',
          `Vector ${key} is all zeros, which has no cosine direction`,
        );
      }
      const metadata = (vector.metadata ?? {}) as JsonObject;
      checkMetadata(index, key, metadata);
      accepted.push({ key, data: floats, metadata: structuredClone(metadata) });
    }
    for (const vector of accepted) index.vectors.set(vector.key, vector);
    return {};
  }

  function checkMetadata(index: EmulatedIndex, key: string, metadata: JsonObject): void {
    const keys = Object.keys(metadata);
    if (keys.length > LIMITS.metadataKeys) {
      throw new ServiceError(
        400,
        'ValidationException',
        `Vector ${key} has more than ${LIMITS.metadataKeys} metadata keys`,
      );
    }
    const filterable: JsonObject = {};
    for (const [name, value] of Object.entries(metadata)) {
      if (!index.nonFilterable.includes(name)) {
        const valid =
          ['string', 'number', 'boolean'].includes(typeof value) ||
          (Array.isArray(value) &&
            value.every((item) => ['string', 'number', 'boolean'].includes(typeof item)));
        if (!valid) {
          throw new ServiceError(
            400,
            'ValidationException',
            `Filterable metadata ${name} of ${key} must be a string, number, boolean or list of them`,
          );
        }
        filterable[name] = value;
      }
    }
    if (Buffer.byteLength(JSON.stringify(filterable)) > LIMITS.filterableBytes) {
      throw new ServiceError(
        400,
        'ValidationException',
        `Filterable metadata of ${key} exceeds ${LIMITS.filterableBytes} bytes`,
      );
    }
    if (Buffer.byteLength(JSON.stringify(metadata)) > LIMITS.totalBytes) {
      throw new ServiceError(
        400,
        'ValidationException',
        `Metadata of ${key} exceeds ${LIMITS.totalBytes} bytes`,
      );
    }
  }

  function queryVectors(body: JsonObject): JsonObject {
    const index = findIndex(body);
    const topK = Number(body.topK);
    if (!Number.isInteger(topK) || topK < 1 || topK > LIMITS.maxTopK) {
      throw new ServiceError(400, 'ValidationException', `topK must be between 1 and ${LIMITS.maxTopK}`);
    }
    const query = (body.queryVector as JsonObject | undefined)?.float32;
    if (!Array.isArray(query) || query.length !== index.dimension) {
      throw new ServiceError(
        400,
        'ValidationException',
        `queryVector must have dimension ${index.dimension}`,
      );
    }
    const vector = (query as number[]).map(Math.fround);
    const filter = body.filter;
    if (filter !== undefined) validateFilter(index, filter);
    const hits = [...index.vectors.values()]
      .filter((stored) => filter === undefined || matches(stored.metadata, filter))
      .map((stored) => ({ stored, distance: distance(index.distanceMetric, vector, stored.data) }))
      .sort((left, right) => left.distance - right.distance || (left.stored.key < right.stored.key ? -1 : 1))
      .slice(0, topK);
    return {
      vectors: hits.map((hit) => ({
        key: hit.stored.key,
        ...(body.returnDistance === true ? { distance: hit.distance } : {}),
        ...(body.returnMetadata === true ? { metadata: structuredClone(hit.stored.metadata) } : {}),
      })),
      distanceMetric: index.distanceMetric,
    };
  }

  function validateFilter(index: EmulatedIndex, filter: Json): void {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
      throw new ServiceError(400, 'ValidationException', 'filter must be an object');
    }
    for (const [key, value] of Object.entries(filter)) {
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) {
          throw new ServiceError(400, 'ValidationException', `${key} takes a non-empty array of filters`);
        }
        for (const inner of value) validateFilter(index, inner);
        continue;
      }
      if (key.startsWith('$'))
        throw new ServiceError(400, 'ValidationException', `Unsupported operator ${key}`);
      if (index.nonFilterable.includes(key)) {
        throw new ServiceError(400, 'ValidationException', `Metadata key ${key} is non-filterable`);
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [operator, operand] of Object.entries(value)) {
          if (!['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'].includes(operator)) {
            throw new ServiceError(400, 'ValidationException', `Unsupported operator ${operator}`);
          }
          if (
            (operator === '$in' || operator === '$nin') &&
            (!Array.isArray(operand) || operand.length === 0)
          ) {
            throw new ServiceError(400, 'ValidationException', `${operator} takes a non-empty array`);
          }
        }
      }
    }
  }

  function findIndex(body: JsonObject): EmulatedIndex {
    const bucket = requireBucket(body);
    const name = requireString(body, 'indexName');
    const index = indexes.get(`${bucket}/${name}`);
    if (!index)
      throw new ServiceError(404, 'NotFoundException', `The specified index could not be found: ${name}`);
    return index;
  }

  function requireBucket(body: JsonObject): string {
    const bucket = requireString(body, 'vectorBucketName');
    if (!buckets.has(bucket))
      throw new ServiceError(
        404,
        'NotFoundException',
        `The specified vector bucket could not be found: ${bucket}`,
      );
    return bucket;
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    operations,
    failNext(count, status, type) {
      failures = { count, status, type };
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

function matches(metadata: JsonObject, filter: Json): boolean {
  const object = filter as JsonObject;
  return Object.entries(object).every(([key, condition]) => {
    if (key === '$and') return (condition as Json[]).every((inner) => matches(metadata, inner));
    if (key === '$or') return (condition as Json[]).some((inner) => matches(metadata, inner));
    const value = metadata[key];
    const operators =
      typeof condition === 'object' && condition !== null && !Array.isArray(condition)
        ? (condition as JsonObject)
        : { $eq: condition };
    return Object.entries(operators).every(([operator, operand]) => compareValue(value, operator, operand));
  });
}

function compareValue(value: Json | undefined, operator: string, operand: Json): boolean {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  switch (operator) {
    case '$exists':
      return (value !== undefined) === operand;
    case '$eq':
      return values.some((item) => item === operand);
    case '$ne':
      return value !== undefined && !values.some((item) => item === operand);
    case '$in':
      return values.some((item) => (operand as Json[]).includes(item));
    case '$nin':
      return value !== undefined && !values.some((item) => (operand as Json[]).includes(item));
    case '$gt':
      return values.some((item) => typeof item === 'number' && item > (operand as number));
    case '$gte':
      return values.some((item) => typeof item === 'number' && item >= (operand as number));
    case '$lt':
      return values.some((item) => typeof item === 'number' && item < (operand as number));
    case '$lte':
      return values.some((item) => typeof item === 'number' && item <= (operand as number));
    default:
      return false;
  }
}

function distance(metric: 'cosine' | 'euclidean', query: number[], stored: number[]): number {
  let dot = 0;
  let queryNorm = 0;
  let storedNorm = 0;
  let squared = 0;
  for (let position = 0; position < query.length; position++) {
    const a = query[position]!;
    const b = stored[position]!;
    dot += a * b;
    queryNorm += a * a;
    storedNorm += b * b;
    squared += (a - b) ** 2;
  }
  if (metric === 'euclidean') return Math.fround(Math.sqrt(squared));
  const cosine = queryNorm === 0 || storedNorm === 0 ? 0 : dot / Math.sqrt(queryNorm * storedNorm);
  return Math.fround(1 - cosine);
}

function render(vector: StoredVector, withData: boolean, withMetadata: boolean): JsonObject {
  return {
    key: vector.key,
    ...(withData ? { data: { float32: [...vector.data] } } : {}),
    ...(withMetadata ? { metadata: structuredClone(vector.metadata) } : {}),
  };
}

function paginate<T>(all: T[], body: JsonObject, pageSize: number): { page: T[]; nextToken?: string } {
  const size = body.maxResults === undefined ? pageSize : Number(body.maxResults);
  let start = 0;
  if (typeof body.nextToken === 'string') {
    start = Number(Buffer.from(body.nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0)
      throw new ServiceError(400, 'ValidationException', 'Invalid nextToken');
  }
  const page = all.slice(start, start + size);
  const next = start + size;
  return next < all.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}

function arn(index: EmulatedIndex): string {
  return `arn:aws:s3vectors:us-east-1:123456789012:bucket/${index.bucket}/index/${index.name}`;
}

function requireString(body: JsonObject, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new ServiceError(400, 'ValidationException', `${field} is required`);
  return value;
}

function requireList(body: JsonObject, field: string, max: number): Json[] {
  const value = body[field];
  if (!Array.isArray(value) || value.length === 0)
    throw new ServiceError(400, 'ValidationException', `${field} must be a non-empty list`);
  if (value.length > max)
    throw new ServiceError(
      400,
      'ValidationException',
      `${field} holds ${value.length} items; at most ${max}`,
    );
  return value;
}

function send(response: ServerResponse, status: number, body: JsonObject): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
