/**
 * Wire-level emulators for the cloud model APIs (Bedrock, OpenAI, Gemini, Ollama), driven by the real AI SDK
 * providers and official clients in tests.
 */

export {
  type AgentEvent,
  type AgentReference,
  type AgentRuntimeEmulator,
  type AgentTurnScript,
  agentEvents,
  type GuardrailDefinition,
  type KnowledgeBaseDocument,
  startAgentRuntimeEmulator,
} from './bedrock-agent-emulator.ts';
export { DEFAULT_MODELS, type Emulator, type EmulatorOptions, startEmulator } from './emulator-server.ts';
export { EMBEDDING_DIMENSIONS, hashEmbedding } from './hash-embedding.ts';
export type {
  Dialect,
  EmulatorRequest,
  Operation,
  ScriptedError,
  ScriptedReply,
  ScriptedToolCall,
} from './script.ts';
