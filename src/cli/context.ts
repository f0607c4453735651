/** Opens configuration and services for one CLI command, and always closes them. */
import { createGodwit, type GodwitConfig, loadConfig } from '../config/index.ts';
import type { GodwitServices } from '../core/services.ts';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

export function readConfig(options: GlobalOptions, overrides: Record<string, unknown> = {}): GodwitConfig {
  const flagOverrides = { ...overrides, ...(options.dataDir ? { dataDir: options.dataDir } : {}) };
  return loadConfig({ configPath: options.config, overrides: flagOverrides }).config;
}

export async function withServices<T>(
  options: GlobalOptions,
  run: (services: GodwitServices, config: GodwitConfig) => Promise<T>,
  overrides: Record<string, unknown> = {},
): Promise<T> {
  const config = readConfig(options, overrides);
  const services = await createGodwit(config);
  try {
    return await run(services, config);
  } finally {
    await services.close();
  }
}
