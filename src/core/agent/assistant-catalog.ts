/**
 * What the chat turn needs to answer as an assistant: its definition, a model able to call tools, and the
 * tools built for one caller. The composition root implements it from config (src/tools).
 */
import type { LanguageModel } from 'ai';
import type { AgentRunSettings, AssistantDefinition } from './agent-run.ts';
import type { AgentTool } from './agent-tool.ts';
import type { ManagedAssistantBinding } from './managed-agent.ts';

export interface PreparedAssistant {
  definition: AssistantDefinition;
  model: LanguageModel;
  tools: AgentTool[];
  /** Set when a managed agent (a Bedrock Agent) answers instead of Godwit's tool loop. */
  managed?: ManagedAssistantBinding;
}

export interface AssistantCatalog {
  /** Configured assistant names, in config order. */
  names(): string[];
  /**
   * The assistant, ready to run. Throws NotFoundError for an unknown name, and ValidationError when its
   * model cannot call tools (local:extractive).
   */
  prepare(name: string): PreparedAssistant;
  readonly settings: AgentRunSettings;
  /** Closes connections held for tools (MCP clients, stdio server processes). */
  close?(): Promise<void>;
}
