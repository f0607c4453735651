/** Every relational port in memory, sharing state the way one database would. Nothing is persisted. */
import type {
  ApiKeyStore,
  AuditLog,
  ConversationStore,
  CounterStore,
  HealthReport,
  KnowledgeStore,
  UsageLedger,
  VectorIndex,
} from '../../core/ports.ts';
import { MemoryApiKeyStore } from './memory-api-key-store.ts';
import { MemoryAuditLog } from './memory-audit-log.ts';
import { MemoryConversationStore } from './memory-conversation-store.ts';
import { MemoryCounterStore } from './memory-counter-store.ts';
import { MemoryKnowledgeState } from './memory-knowledge-state.ts';
import { MemoryKnowledgeStore } from './memory-knowledge-store.ts';
import { MemoryUsageLedger } from './memory-usage-ledger.ts';
import { MemoryVectorIndex } from './memory-vector-index.ts';

export interface MemoryStorageOptions {
  now?: () => Date;
  generateId?: () => string;
}

export interface MemoryStorage {
  readonly knowledge: KnowledgeStore;
  readonly index: VectorIndex;
  readonly conversations: ConversationStore;
  readonly usage: UsageLedger;
  readonly audit: AuditLog;
  readonly counters: CounterStore;
  readonly apiKeys: ApiKeyStore;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/**
 * @example
 *   const storage = createMemoryStorage();
 *   await storage.knowledge.createKnowledgeBase('default', { name: 'handbook' });
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const now = options.now ?? (() => new Date());
  const state = new MemoryKnowledgeState();
  return {
    knowledge: new MemoryKnowledgeStore(state, { now, generateId: options.generateId }),
    index: new MemoryVectorIndex(state, now),
    conversations: new MemoryConversationStore(now),
    usage: new MemoryUsageLedger(),
    audit: new MemoryAuditLog(),
    counters: new MemoryCounterStore({ now: () => now().getTime() }),
    apiKeys: new MemoryApiKeyStore(),
    health: async () => ({ name: 'memory', ok: true, detail: 'in-process memory; nothing is persisted' }),
    close: async () => {},
  };
}
