/** The config sections tool sources and assistants are built from; the schema in src/config/schema.ts defines them. */
export type { AssistantsConfig, ToolsConfig as ToolSourcesConfig } from '../config/schema.ts';
