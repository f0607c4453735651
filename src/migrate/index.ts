/**
 * Moving data into, out of and between Godwit stores: sources, sinks, the dump format, checkpoints,
 * verification and the migration report. docs/MIGRATION.md is the user's guide.
 */
export { Checkpoint, type CheckpointState } from './checkpoint.ts';
export { DUMP_FORMAT, DUMP_SCHEMA_VERSION, type DumpManifest, readManifest } from './dump/manifest.ts';
export { type Location, parseLocation } from './locations.ts';
export {
  type EndpointContext,
  type GodwitStorage,
  type OpenedConversationStore,
  openSink,
  openSource,
} from './open-endpoints.ts';
export type { MigrationSink, MigrationSource, SinkPlan, SourceDescription } from './ports.ts';
export {
  type ConversationRecord,
  canonicalJson,
  type EmbeddingInfo,
  type KnowledgeRecord,
  type MigrationKind,
  type MigrationRecord,
  recordKey,
} from './records.ts';
export { buildReport, type MigrationReport, renderMarkdown } from './report.ts';
export {
  type MigrationPlan,
  type MigrationProgress,
  type MigrationResult,
  planMigration,
  type RunMigrationOptions,
  runMigration,
} from './run-migration.ts';
export { startChroma } from './sources/chroma-process.ts';
export { readConversationMap } from './sources/conversation-map.ts';
export { RETRIEVAL_AGREEMENT_THRESHOLD, type VerifyReport, verifyMigration } from './verify.ts';
