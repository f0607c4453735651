/**
 * Builds the source and the sink a pair of locations names. Godwit's own storage comes from the caller
 * (the composition root opens it), so a sink is written against the ports alone.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DependencyError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { ConversationStore, DocumentParser, KnowledgeStore, VectorIndex } from '../core/ports.ts';
import { DEFAULT_TENANT } from '../core/types.ts';
import { MANIFEST_FILE } from './dump/manifest.ts';
import type { Location } from './locations.ts';
import type { MigrationSink, MigrationSource } from './ports.ts';
import type { MigrationKind } from './records.ts';
import { ConversationSink } from './sinks/conversation-sink.ts';
import { DumpSink } from './sinks/dump-sink.ts';
import { KnowledgeBaseSink } from './sinks/knowledge-base-sink.ts';
import { ChromaDirectorySource } from './sources/chroma-dir-source.ts';
import { ChromaSource } from './sources/chroma-source.ts';
import type { ConversationMap } from './sources/conversation-map.ts';
import { DumpSource } from './sources/dump-source.ts';
import { FolderSource } from './sources/folder-source.ts';
import { GodwitKnowledgeSource } from './sources/godwit-source.ts';
import { describePostgresUrl } from './sources/postgres-connection.ts';
import { PostgresConversationSource } from './sources/postgres-conversation-source.ts';
import { PostgresRowsSource } from './sources/postgres-rows-source.ts';

export interface GodwitStorage {
  knowledge: KnowledgeStore;
  index: VectorIndex;
  conversations: ConversationStore;
  /** Where it is, for reports (no secrets). */
  location: string;
}

const DUMP_PART = /^(knowledge|conversations)-\d{5}\.jsonl$/;

export interface OpenedConversationStore {
  store: ConversationStore;
  /** Where it is, for reports (no secrets). */
  location: string;
  close: () => Promise<void>;
}

export interface EndpointContext {
  /** Opens the configured Godwit storage (once). */
  godwit: () => Promise<GodwitStorage>;
  /** Opens Godwit's ConversationStore on a PostgreSQL URL (a `postgres://` target). */
  postgresConversations: (url: URL) => Promise<OpenedConversationStore>;
  /**
   * Opens Godwit's storage with its VectorIndex on an OpenSearch endpoint (an `opensearch://` target);
   * absent when not built in.
   */
  openSearch?: (url: URL) => Promise<GodwitStorage>;
  /**
   * Opens Godwit's storage with its VectorIndex on a Chroma server (a `chroma://` target); absent when not
   * built in.
   */
  chroma?: (location: Extract<Location, { type: 'chroma' }>) => Promise<GodwitStorage>;
  /** Opens Godwit's DynamoDB ConversationStore on a table (a `dynamodb://` target); absent when not built in. */
  dynamoDbConversations?: (table: string, url: URL) => Promise<OpenedConversationStore>;
  tenantId?: string;
  map?: ConversationMap;
  template?: string;
  idColumn?: string;
  sourcePrefix?: string;
  /** Parses a folder-of-files source (a `dir` without a manifest). */
  parser?: DocumentParser;
  /** Declared model of a source's stored vectors (Chroma does not record it). */
  embeddingModel?: string;
}

export async function openSource(location: Location, context: EndpointContext): Promise<MigrationSource> {
  const tenantId = context.tenantId ?? DEFAULT_TENANT;
  switch (location.type) {
    case 'chroma':
      return new ChromaSource({
        baseUrl: location.baseUrl,
        collection: location.collection,
        ...(location.tenant ? { tenant: location.tenant } : {}),
        ...(location.database ? { database: location.database } : {}),
        ...(context.embeddingModel ? { embeddingModel: context.embeddingModel } : {}),
      });
    case 'chroma-dir':
      return new ChromaDirectorySource(location.path, location.collection, context.embeddingModel);
    case 'godwit': {
      if (!location.name) throw new ValidationError('Name the knowledge base to read: godwit://NAME.');
      const storage = await context.godwit();
      return new GodwitKnowledgeSource({ ...storage, tenantId, name: location.name });
    }
    case 'postgres':
      return openPostgresSource(location.url, context);
    case 'dir':
      if (existsSync(join(location.path, MANIFEST_FILE))) return new DumpSource(location.path);
      if (!existsSync(location.path)) throw new NotFoundError(`${location.path} does not exist.`);
      if (readdirSync(location.path).some((file) => DUMP_PART.test(file))) {
        throw new ValidationError(
          `${location.path} is an unfinished dump (parts but no ${MANIFEST_FILE}): finish the export with --resume first.`,
        );
      }
      if (!context.parser) {
        throw new ValidationError(`${location.path} is not a Godwit dump (no ${MANIFEST_FILE}).`);
      }
      return new FolderSource(location.path, context.parser);
    case 's3': {
      if (!context.parser) throw new ValidationError('An s3:// source needs the document parser.');
      const { S3FileTree } = await import('./sources/s3-file-tree.ts');
      const { type: _type, ...tree } = location;
      return new FolderSource(new S3FileTree(tree), context.parser);
    }
    case 'dynamodb':
    case 'opensearch':
      throw new ValidationError(`${location.type}:// is a migration target, not a source.`);
  }
}

function openPostgresSource(url: URL, context: EndpointContext): MigrationSource {
  const query = url.searchParams.get('query');
  if (query) {
    if (!context.template) {
      throw new ValidationError(
        'A postgres://…?query=… source needs --template "TEXT with {{column}}" to turn each row into a document.',
      );
    }
    return new PostgresRowsSource({
      url,
      query,
      template: context.template,
      ...(context.idColumn ? { idColumn: context.idColumn } : {}),
      ...(context.sourcePrefix ? { sourcePrefix: context.sourcePrefix } : {}),
    });
  }
  if (!context.map) {
    throw new ValidationError(
      `A PostgreSQL source needs --map FILE (conversations: which tables and columns hold them; see examples/migrate/conversations.yaml) or ?query=SELECT… with --template. Source: ${describePostgresUrl(url)}.`,
    );
  }
  return new PostgresConversationSource(url, context.map);
}

export async function openSink(
  location: Location,
  kind: MigrationKind,
  context: EndpointContext,
): Promise<MigrationSink & { release?: () => Promise<void> }> {
  const tenantId = context.tenantId ?? DEFAULT_TENANT;
  switch (location.type) {
    case 'dir':
      return new DumpSink(location.path, kind);
    case 'godwit': {
      const storage = await context.godwit();
      if (kind === 'conversations') {
        return new ConversationSink({ store: storage.conversations, tenantId, location: storage.location });
      }
      if (!location.name) throw new ValidationError('Name the target knowledge base: godwit://NAME.');
      return new KnowledgeBaseSink({ ...storage, tenantId, name: location.name });
    }
    case 'postgres': {
      if (kind !== 'conversations') {
        throw new ValidationError(
          'A postgres:// target takes conversations. For a knowledge base on PostgreSQL, set GODWIT_DATABASE_URL and use godwit://NAME.',
        );
      }
      const opened = await context.postgresConversations(location.url);
      const sink = new ConversationSink({
        store: opened.store,
        tenantId,
        location: describePostgresUrl(location.url),
      });
      return Object.assign(sink, { release: opened.close });
    }
    case 'dynamodb': {
      if (kind !== 'conversations') {
        throw new ValidationError(
          'A dynamodb:// target takes conversations. Knowledge bases live in a VectorIndex: use godwit://NAME (or a dump).',
        );
      }
      if (!context.dynamoDbConversations) return unavailable(location.type);
      const opened = await context.dynamoDbConversations(location.table, location.url);
      const sink = new ConversationSink({ store: opened.store, tenantId, location: opened.location });
      return Object.assign(sink, { release: opened.close });
    }
    case 'opensearch': {
      if (kind !== 'knowledge') {
        throw new ValidationError(
          'An opensearch:// target takes a knowledge base; conversations go to godwit://, postgres:// or dynamodb://.',
        );
      }
      if (!context.openSearch) return unavailable(location.type);
      const storage = await context.openSearch(location.url);
      return new KnowledgeBaseSink({ ...storage, tenantId, name: location.name });
    }
    case 's3':
      throw new ValidationError(
        'An s3:// prefix is a migration source (a folder of files); migrate into godwit://NAME or a dump folder.',
      );
    case 'chroma': {
      if (kind !== 'knowledge') {
        throw new ValidationError(
          'A chroma:// target takes a knowledge base; conversations go to godwit://, postgres:// or dynamodb://.',
        );
      }
      if (!context.chroma) return unavailable(location.type);
      const storage = await context.chroma(location);
      return new KnowledgeBaseSink({ ...storage, tenantId, name: location.collection });
    }
    case 'chroma-dir':
      throw new ValidationError(
        'A chroma-dir:// folder is a migration source, not a target: to keep the data in Chroma, run a Chroma server and migrate to chroma://HOST:PORT/NAME, or move it into godwit://NAME or a dump folder.',
      );
  }
}

function unavailable(type: string): never {
  throw new DependencyError(
    `${type}:// targets are not available in this build. Configure Godwit with that storage (storage.conversations / storage.vectors) and migrate to godwit://, or export to a dump and import it where Godwit runs with that storage.`,
  );
}
