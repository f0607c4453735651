/** The config sections tool sources and assistants are built from (see src/config/schema.ts). */
import type { GodwitConfig } from '../config/schema.ts';

export type AssistantsConfig = GodwitConfig['assistants'];
export type ToolSourcesConfig = GodwitConfig['tools'];
