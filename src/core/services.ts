/**
 * Everything the HTTP server and the CLI use, wired by the composition root (src/config/). Entry points
 * depend on this shape, never on adapters.
 */
import type { AssistantCatalog } from './agent/assistant-catalog.ts';
import type { AuditTrail } from './audit/audit-trail.ts';
import type { ChatService } from './chat/chat-service.ts';
import type { KnowledgeService } from './knowledge/knowledge-service.ts';
import type { Governance } from './limits/governance.ts';
import type { ChatCompletionsForwarder, Embedder, ModelResolver, Pricing } from './models.ts';
import type {
  ApiKeyStore,
  ConversationStore,
  HealthReport,
  KnowledgeStore,
  UsageLedger,
  VectorIndex,
} from './ports.ts';
import type { Retriever } from './retrieval/retriever.ts';
import type { UsageEntry } from './types.ts';

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
  /** Resolves `provider:model-id` names with resilience and the fallback chain (passthrough chat). */
  models: ModelResolver;
  /** Forwards `/v1/chat/completions` unchanged to providers that speak that API (the fast path). */
  chatForwarder: ChatCompletionsForwarder;
  /** Embedding models by `provider:model-id` (`POST /v1/embeddings`). */
  embedders: ReadonlyMap<string, Embedder>;
  /** Prices a model call; null for an unpriced model. */
  pricing: Pricing;
  /** Calls `listener` after every usage-ledger row is recorded; returns the unsubscribe function. */
  onUsage: (listener: (entry: UsageEntry) => void) => () => void;
  /** Circuit breaker state by `provider:model`, as the resilience layer sees it now; null when breaking is off. */
  circuitStates: (() => Record<string, 'closed' | 'open' | 'half-open'>) | null;
  /** API keys (hashed) for authentication and `godwit keys`. */
  apiKeys: ApiKeyStore;
  /** Cumulative hit and miss counts of each cache (embedding, response), for the hit ratio; null when none is used. */
  cacheStats: (() => Array<{ cache: string; hits: number; misses: number }>) | null;
  /** Configured assistants (tool-calling agents), for /v1 `assistant:<name>` and the web app; null when none are. */
  assistants: AssistantCatalog | null;
  /** Who did what (admin actions, failed sign-ins, tool calls): `GET /api/audit`, `godwit audit`. */
  audit: AuditTrail;
  /** Rate limits and budgets (`limits`, `budgets` in the config). */
  governance: Governance;
  /** Reports on every configured dependency; never throws. */
  health(): Promise<HealthReport[]>;
  close(): Promise<void>;
}
