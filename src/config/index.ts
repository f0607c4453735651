/** Configuration and the composition root. */

export {
  type ConfiguredChannels,
  channelSettings,
  createConfiguredChannels,
  createQueuedChannelHandlers,
} from './create-channels.ts';
export { type CreateGodwitOptions, createGodwit } from './create-godwit.ts';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.ts';
export { configSchema, type GodwitConfig } from './schema.ts';
export { VERSION } from './version.ts';
