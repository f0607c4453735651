import { describe, expect, it } from 'vitest';
import { parseLocation } from './locations.ts';

describe('parseLocation', () => {
  it('reads every accepted form', () => {
    expect(parseLocation('chroma://127.0.0.1:8000/kb_docs')).toEqual({
      type: 'chroma',
      baseUrl: 'http://127.0.0.1:8000',
      collection: 'kb_docs',
    });
    expect(parseLocation('chroma://host:8000/c?tenant=t&database=d')).toMatchObject({
      tenant: 't',
      database: 'd',
    });
    expect(parseLocation('chroma-dir:///data/chroma_data?collection=kb_docs')).toEqual({
      type: 'chroma-dir',
      path: '/data/chroma_data',
      collection: 'kb_docs',
    });
    expect(parseLocation('godwit://handbook')).toEqual({ type: 'godwit', name: 'handbook' });
    expect(parseLocation('godwit://')).toEqual({ type: 'godwit', name: null });
    expect(parseLocation('postgres://u:p@db:5432/app?table=chat')).toMatchObject({ type: 'postgres' });
    expect(parseLocation('dir:///tmp/dump')).toEqual({ type: 'dir', path: '/tmp/dump' });
    expect(parseLocation('dump', '/work')).toEqual({ type: 'dir', path: '/work/dump' });
    expect(parseLocation('./out/dump', '/work')).toEqual({ type: 'dir', path: '/work/out/dump' });
    expect(parseLocation('dynamodb://godwit-data?region=eu-west-1')).toMatchObject({
      type: 'dynamodb',
      table: 'godwit-data',
    });
    expect(parseLocation('opensearch://search.local:9200/kb')).toMatchObject({
      type: 'opensearch',
      name: 'kb',
    });
  });

  it('names the accepted forms when a location is wrong', () => {
    expect(() => parseLocation('ftp://host/x')).toThrow(
      /Unknown scheme "ftp:\/\/".*chroma:\/\/HOST:PORT\/COLLECTION/,
    );
    expect(() => parseLocation('chroma://127.0.0.1:8000')).toThrow(/needs a host and a collection/);
    expect(() => parseLocation('chroma-dir:///data')).toThrow(/needs \?collection=NAME/);
    expect(() => parseLocation('dynamodb://')).toThrow(/needs a table name/);
    expect(() => parseLocation('opensearch://host:9200')).toThrow(/needs a host and a knowledge base/);
  });
});
