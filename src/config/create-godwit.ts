/**
 * The composition root: the only place that chooses adapters. It runs in two steps, `openAdapters`
 * (open what the configuration names) then `assembleServices` (build the services from those parts);
 * test harnesses call the second step with parts of their own, so they run the production wiring.
 */
import type { GodwitServices } from '../core/services.ts';
import { assembleServices } from './assemble-services.ts';
import { type GodwitParts, type OpenAdaptersOptions, openAdapters } from './open-adapters.ts';
import type { GodwitConfig } from './schema.ts';

export type CreateGodwitOptions = OpenAdaptersOptions;

/**
 * Opens the adapters `config` names and builds the services on them.
 *
 * @example
 *   const services = await createGodwit(loadConfig().config);
 *   try { await services.chat.start(request); } finally { await services.close(); }
 */
export async function createGodwit(
  config: GodwitConfig,
  options: CreateGodwitOptions = {},
): Promise<GodwitServices> {
  const parts = await openAdapters(config, options);
  try {
    return await assembleServices(parts);
  } catch (error) {
    await closeParts(parts);
    throw error;
  }
}

async function closeParts(parts: GodwitParts): Promise<void> {
  const closers = [
    () => parts.storage.close(),
    () => parts.blobs.close(),
    () => parts.cache.close(),
    () => parts.counters.close(),
    () => parts.parser.close(),
  ];
  for (const close of closers) await Promise.resolve(close()).catch(() => {});
}
