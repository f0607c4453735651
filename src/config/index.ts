/** Configuration and the composition root. */
export { createGodwit, type CreateGodwitOptions } from './create-godwit.ts';
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load-config.ts';
export { configSchema, type GodwitConfig } from './schema.ts';
export { VERSION } from './version.ts';
