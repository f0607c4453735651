/**
 * A managed agent (a Bedrock Agent) as core sees it: invoked with a session id and the user's text (or the
 * results of calls it handed back), it streams answer text with the passages it cites, the steps it ran
 * itself (action groups, knowledge base lookups), token counts, and calls it returns to the caller to run.
 * The adapter (src/providers/bedrock/) translates the vendor's events and errors into these.
 */
import type { JsonValue, SearchHit } from '../types.ts';
import type { AgentTool } from './agent-tool.ts';

/** A call the agent hands back for the caller to run (Bedrock: a return of control). */
export interface ManagedAgentCall {
  /** Unique within the turn: `<invocationId>:<index>`. */
  id: string;
  actionGroup: string;
  operation: { kind: 'api'; method: string; path: string } | { kind: 'function'; name: string };
  /** Parameters by name (typed where the agent says so); an API call's JSON body under `body`. */
  input: Record<string, JsonValue>;
}

export interface ManagedAgentCallResult {
  call: ManagedAgentCall;
  output: JsonValue;
  /** The call did not run or failed: the agent is told so. */
  failed: boolean;
  /** The user's decision on a call that waited for approval: run (`approved`) or refused (`denied`). */
  confirmation?: 'approved' | 'denied';
}

export type ManagedAgentEvent =
  /** Answer text; `citations` attribute parts of it (`text`) to retrieved passages. */
  | { type: 'text'; delta: string; citations: Array<{ text: string; passages: SearchHit[] }> }
  /** A step the agent runs itself (its action group Lambda, a knowledge base lookup) began. */
  | { type: 'step-start'; id: string; name: string; input: JsonValue }
  /** That step's result; a knowledge base lookup also gives the passages it found. */
  | { type: 'step-end'; id: string; output: JsonValue; passages?: SearchHit[] }
  | { type: 'usage'; inputTokens: number; outputTokens: number }
  | { type: 'return-control'; invocationId: string; calls: ManagedAgentCall[] }
  /** The agent's own guardrail intervened. */
  | { type: 'guardrail'; guardrail: string; source: 'input' | 'output'; policies: string[] };

export interface ManagedAgentInvocation {
  /** The Godwit conversation id: the agent keeps the conversation's memory under it. */
  sessionId: string;
  inputText?: string;
  /** Results for the calls of an earlier `return-control` event. */
  results?: { invocationId: string; results: ManagedAgentCallResult[] };
  /** Who the agent acts for (tenant, user): passed as session attributes, never through the prompt. */
  sessionAttributes: Record<string, string>;
  abortSignal: AbortSignal;
}

export interface ManagedAgent {
  /** `bedrock-agent:<agentId>/<aliasId>`: named in errors and logs. */
  readonly label: string;
  /** Streams one invocation; failures throw GodwitErrors that name the agent and the fix. */
  invoke(invocation: ManagedAgentInvocation): AsyncIterable<ManagedAgentEvent>;
}

/** An assistant answered by a managed agent, with the Godwit tools that run the calls it hands back. */
export interface ManagedAssistantBinding {
  agent: ManagedAgent;
  /** The Godwit tool that runs a handed-back call, or undefined when this assistant has none. */
  resolveTool(call: ManagedAgentCall): AgentTool | undefined;
}
