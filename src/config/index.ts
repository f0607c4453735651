/** Configuration and the composition root. */
export { assembleServices } from './assemble-services.ts';

export {
  type ConfiguredChannels,
  channelSettings,
  channelTurnMeter,
  createConfiguredChannels,
  createQueuedChannelHandlers,
} from './create-channels.ts';
export { type CreateGodwitOptions, createGodwit } from './create-godwit.ts';
export type { ModelLayer } from './create-models.ts';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.ts';
export {
  type GodwitParts,
  type LogLine,
  logToStderr,
  type OpenAdaptersOptions,
  type OpenedBlobStore,
  type OpenedCache,
  type OpenedParser,
  openAdapters,
} from './open-adapters.ts';
export type { ComposedStorage } from './open-storage.ts';
export { configSchema, type GodwitConfig } from './schema.ts';
export { VERSION } from './version.ts';
