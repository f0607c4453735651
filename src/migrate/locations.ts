/**
 * The URL forms `godwit migrate` accepts for sources and targets:
 * `chroma://host:port/collection`, `chroma-dir:///path?collection=NAME`, `godwit://kb`, `postgres://…`,
 * `dir:///path` or a plain path, `s3://bucket/prefix/` (a folder of files in S3; `?region=`, `?endpoint=` and
 * `?forcePathStyle=true` for local or private endpoints), `dynamodb://table`, `opensearch://host/kb`
 * (`opensearch+http://` for plain HTTP).
 */
import { resolve } from 'node:path';
import { ValidationError } from '../core/errors.ts';

export type Location =
  | {
      type: 'chroma';
      baseUrl: string;
      /** A collection to read (as a source), or the Godwit knowledge base to write (as a target). */
      collection: string;
      tenant?: string;
      database?: string;
      /** As a target: the prefix of Godwit's collection names (storage.chroma.collectionPrefix). */
      collectionPrefix?: string;
    }
  | { type: 'chroma-dir'; path: string; collection: string }
  | { type: 'godwit'; name: string | null }
  | { type: 'postgres'; url: URL }
  | { type: 'dir'; path: string }
  | {
      type: 's3';
      bucket: string;
      prefix: string;
      region?: string;
      endpoint?: string;
      forcePathStyle: boolean;
    }
  | { type: 'dynamodb'; table: string; url: URL }
  | { type: 'opensearch'; url: URL; name: string };

const FORMS =
  'chroma://HOST:PORT/COLLECTION, chroma-dir:///PATH?collection=NAME, godwit://KB, postgres://…?table=T or ?query=SELECT…, dir:///PATH (or a plain path), s3://BUCKET/PREFIX/, dynamodb://TABLE, opensearch://HOST/KB';

/** Parses a source or target; throws ValidationError naming the accepted forms. */
export function parseLocation(text: string, cwd = process.cwd()): Location {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return { type: 'dir', path: resolve(cwd, text) };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`"${text}" is not a valid URL. Accepted forms: ${FORMS}.`);
  }
  switch (scheme) {
    case 'chroma':
    case 'chromas': {
      const collection = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
      if (!url.host || !collection) {
        throw new ValidationError(
          `"${text}" needs a host and a collection: chroma://127.0.0.1:8000/kb_docs.`,
        );
      }
      const tenant = url.searchParams.get('tenant') ?? undefined;
      const database = url.searchParams.get('database') ?? undefined;
      const collectionPrefix = url.searchParams.get('collectionPrefix') ?? undefined;
      return {
        type: 'chroma',
        baseUrl: `${scheme === 'chromas' ? 'https' : 'http'}://${url.host}`,
        collection,
        ...(tenant ? { tenant } : {}),
        ...(database ? { database } : {}),
        ...(collectionPrefix ? { collectionPrefix } : {}),
      };
    }
    case 'chroma-dir': {
      const collection = url.searchParams.get('collection');
      if (!collection) {
        throw new ValidationError(
          `"${text}" needs ?collection=NAME: chroma-dir:///path/to/chroma_data?collection=kb_docs.`,
        );
      }
      return { type: 'chroma-dir', path: resolve(cwd, pathOf(url)), collection };
    }
    case 'godwit': {
      const name = decodeURIComponent(`${url.host}${url.pathname}`.replace(/\/+$/, ''));
      return { type: 'godwit', name: name || null };
    }
    case 'postgres':
    case 'postgresql':
      return { type: 'postgres', url };
    case 'dir':
    case 'file':
      return { type: 'dir', path: resolve(cwd, pathOf(url)) };
    case 's3': {
      if (!url.host) throw new ValidationError(`"${text}" needs a bucket: s3://my-bucket/documents/.`);
      const region = url.searchParams.get('region') ?? undefined;
      const endpoint = url.searchParams.get('endpoint') ?? undefined;
      return {
        type: 's3',
        bucket: url.host,
        prefix: decodeURIComponent(url.pathname.replace(/^\/+/, '')),
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: url.searchParams.get('forcePathStyle') === 'true',
      };
    }
    case 'dynamodb':
      if (!url.host)
        throw new ValidationError(`"${text}" needs a table name: dynamodb://godwit-conversations.`);
      return { type: 'dynamodb', table: url.host, url };
    case 'opensearch':
    case 'opensearch+http': {
      const name = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
      if (!url.host || !name) {
        throw new ValidationError(`"${text}" needs a host and a knowledge base: opensearch://HOST/KB.`);
      }
      return { type: 'opensearch', url, name };
    }
    default:
      throw new ValidationError(`Unknown scheme "${scheme}://" in "${text}". Accepted forms: ${FORMS}.`);
  }
}

/** `dir:///abs/path` → `/abs/path`; `dir://relative/path` → `relative/path`. */
function pathOf(url: URL): string {
  return decodeURIComponent(`${url.host}${url.pathname}`) || '.';
}
