/**
 * Everything the HTTP server and the CLI use, wired by the composition root (src/config/). Entry points
 * depend on this shape, never on adapters.
 */
import type { ChatService } from './chat/chat-service.ts';
import type { KnowledgeService } from './knowledge/knowledge-service.ts';
import type { ConversationStore, HealthReport, KnowledgeStore, UsageLedger, VectorIndex } from './ports.ts';
import type { Retriever } from './retrieval/retriever.ts';

export interface ProviderInfo {
  /** Default chat model, `provider:model-id`. */
  model: string;
  fallbackModels: string[];
  embeddingModel: string | null;
  /** One sentence: why this provider was chosen ("no provider credentials found, using the offline default"). */
  reason: string;
  /** Every model name a request may use (`provider:*` = any model of a configured provider). */
  availableModels: string[];
  /** Each known provider, whether it is configured, and why (never a secret). */
  providers: Array<{ provider: string; configured: boolean; reason: string }>;
}

export interface GodwitServices {
  knowledge: KnowledgeService;
  knowledgeStore: KnowledgeStore;
  index: VectorIndex;
  retriever: Retriever;
  chat: ChatService;
  conversations: ConversationStore;
  usage: UsageLedger;
  provider: ProviderInfo;
  version: string;
  /** Reports on every configured dependency; never throws. */
  health(): Promise<HealthReport[]>;
  close(): Promise<void>;
}
