/**
 * What the runtime reports each time a tool call ends, for whoever records it (an audit log, metrics). The
 * runtime only emits it: recording is the listener's job, and a listener that throws does not fail the turn.
 */
import type { AgentToolKind } from './agent-tool.ts';
import type { ToolCallView } from './tool-call-view.ts';

export interface ToolCallEvent {
  tenantId: string;
  userId: string;
  conversationId: string;
  assistant: string;
  /** The tool's kind, or `unknown` when the model called a tool the assistant does not have. */
  kind: AgentToolKind | 'unknown';
  /** The call as stored: name, input, state (`complete`, `failed` or `denied`), output or error, duration, approval. */
  call: ToolCallView;
}

export type ToolCallListener = (event: ToolCallEvent) => void;
