/**
 * What the agent loop needs from a tool, whatever its kind (built-in, OpenAPI, Lambda, MCP, SQL). Tool
 * adapters in src/tools build these; the loop turns them into AI SDK tools under its limits and policy.
 */
import type { FlexibleSchema } from 'ai';
import type { JsonValue } from '../types.ts';
import type { CitationCollector } from './citation-collector.ts';

export type AgentToolKind = 'builtin' | 'openapi' | 'lambda' | 'mcp' | 'sql';

/**
 * Who the tool acts for. Passed to `execute` by the loop, never through the prompt, so a model cannot
 * claim another tenant or user.
 */
export interface ToolContext {
  tenantId: string;
  userId: string;
  conversationId: string;
  toolCallId: string;
  abortSignal: AbortSignal;
  /** Numbers passages as "Source N" across the whole turn, so an answer can cite them. */
  citations: CitationCollector;
  /** Says the turn's sources were found by keyword search alone (the embedding provider is down). */
  onDegraded?: (reason: string) => void;
}

export interface AgentTool {
  /** The name the model calls: `search_knowledge_base`, `scheduling.createAppointment`. */
  name: string;
  description: string;
  /** JSON Schema (via the AI SDK's `jsonSchema`) or a zod schema; arguments are validated against it. */
  inputSchema: FlexibleSchema<unknown>;
  /** True when a call changes nothing anywhere: such tools run without approval under the `auto` policy. */
  readOnly: boolean;
  kind: AgentToolKind;
  /** Per-tool timeout in milliseconds; default: the configured `tools.timeoutMs`. */
  timeoutMs?: number;
  execute(input: unknown, context: ToolContext): Promise<JsonValue>;
}
