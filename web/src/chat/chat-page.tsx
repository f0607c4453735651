import { useCallback, useEffect, useRef, useState } from 'react';
import { apiJson, authHeaders, describeError } from '../api/api-client.ts';
import type { Conversation, KnowledgeBase, Readiness, StoredMessage } from '../api/types.ts';
import { navigate } from '../shell/router.ts';
import { ChatSession } from './chat-session.tsx';
import { type ChatMessage, toChatMessages } from './chat-types.ts';
import { ConversationList } from './conversation-list.tsx';
import { NO_KNOWLEDGE_BASE, pickDefaultKnowledgeBase } from './default-knowledge-base.ts';

const KB_STORAGE = 'godwit.knowledgeBase';

interface Session {
  key: string;
  conversationId: string | null;
  messages: ChatMessage[];
}

let sessionCounter = 0;
const newSession = (conversationId: string | null = null, messages: ChatMessage[] = []): Session => ({
  key: `session-${++sessionCounter}`,
  conversationId,
  messages,
});

/** Chat: the conversation list, the assistant and knowledge-base pickers, and the open conversation. */
export function ChatPage({ conversationId }: { conversationId: string | null }) {
  const [session, setSession] = useState<Session | null>(() => (conversationId ? null : newSession()));
  const [loadError, setLoadError] = useState<string | null>(null);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [knowledgeBases, setKnowledgeBases] = useState<KnowledgeBase[]>([]);
  // null until the list of knowledge bases (or an opened conversation) decides it.
  const [knowledgeBase, setKnowledgeBase] = useState<string | null>(null);
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState('');
  const [listOpen, setListOpen] = useState(false);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const refreshList = useCallback(async () => {
    try {
      const params = new URLSearchParams({ limit: '50' });
      if (query.trim()) params.set('q', query.trim());
      const page = await apiJson<{ conversations: Conversation[] }>(`/api/conversations?${params}`);
      setConversations(page.conversations);
      setListError(null);
    } catch (error) {
      setListError(describeError(error));
    }
  }, [query]);

  useEffect(() => {
    void refreshList();
  }, [refreshList]);

  useEffect(() => {
    apiJson<{ knowledgeBases: KnowledgeBase[] }>('/api/knowledge-bases')
      .then((body) => {
        setKnowledgeBases(body.knowledgeBases);
        const names = body.knowledgeBases.map((base) => base.name);
        setKnowledgeBase(
          (current) => current ?? pickDefaultKnowledgeBase(localStorage.getItem(KB_STORAGE), names),
        );
      })
      .catch(() => {
        setKnowledgeBases([]);
        setKnowledgeBase((current) => current ?? NO_KNOWLEDGE_BASE);
      });
    // The chat models this server offers (`/v1/models` also lists embedding models and kb: assistants,
    // which the knowledge-base picker covers). /readyz answers with the report even when it says 503.
    fetch('/readyz')
      .then((response) => response.json() as Promise<Readiness>)
      .then((body) => {
        const provided = body.provider.availableModels.filter((id) => !id.includes('*'));
        setModels((current) => [...provided, ...current.filter((id) => id.startsWith('assistant:'))]);
      })
      .catch(() => {});
    // Configured assistants (tool-calling agents) are models on /v1 as `assistant:<name>`.
    fetch('/v1/models', { headers: authHeaders() })
      .then((response) =>
        response.ok ? (response.json() as Promise<{ data: Array<{ id: string }> }>) : { data: [] },
      )
      .then((body) => {
        const assistants = body.data.map((entry) => entry.id).filter((id) => id.startsWith('assistant:'));
        setModels((current) => [...current.filter((id) => !id.startsWith('assistant:')), ...assistants]);
      })
      .catch(() => {});
  }, []);

  // Open the conversation the address names, unless it is the one on screen (a new chat that got its id).
  useEffect(() => {
    if (conversationId === null) {
      if (sessionRef.current?.conversationId !== null) setSession(newSession());
      return;
    }
    if (sessionRef.current?.conversationId === conversationId) return;
    let cancelled = false;
    setSession(null);
    setLoadError(null);
    apiJson<Conversation & { messages: StoredMessage[] }>(
      `/api/conversations/${encodeURIComponent(conversationId)}`,
    )
      .then((detail) => {
        if (cancelled) return;
        setKnowledgeBase(detail.knowledgeBase ?? NO_KNOWLEDGE_BASE);
        setSession(newSession(detail.id, toChatMessages(detail.messages, detail.id, detail.knowledgeBase)));
      })
      .catch((error) => {
        if (!cancelled) setLoadError(describeError(error));
      });
    return () => {
      cancelled = true;
    };
  }, [conversationId]);

  const onConversationStarted = useCallback((id: string) => {
    setSession((current) => (current ? { ...current, conversationId: id } : current));
    navigate(`/chat/${encodeURIComponent(id)}`, { replace: true });
  }, []);

  const chooseKnowledgeBase = (name: string) => {
    setKnowledgeBase(name);
    localStorage.setItem(KB_STORAGE, name);
  };

  const rename = async (id: string, title: string) => {
    try {
      await apiJson(`/api/conversations/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        body: JSON.stringify({ title }),
      });
      await refreshList();
    } catch (error) {
      setListError(describeError(error));
    }
  };

  const remove = async (id: string) => {
    try {
      await apiJson(`/api/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (session?.conversationId === id) navigate('/');
      await refreshList();
    } catch (error) {
      setListError(describeError(error));
    }
  };

  return (
    <div className="chat-page">
      <button
        type="button"
        className="button secondary list-toggle"
        aria-expanded={listOpen}
        aria-controls="conversation-sidebar"
        onClick={() => setListOpen((open) => !open)}
      >
        Conversations
      </button>
      <div id="conversation-sidebar" className={listOpen ? 'sidebar open' : 'sidebar'}>
        <ConversationList
          conversations={conversations}
          activeId={session?.conversationId ?? null}
          query={query}
          onQueryChange={setQuery}
          onSelect={(id) => {
            setListOpen(false);
            navigate(`/chat/${encodeURIComponent(id)}`);
          }}
          onNew={() => {
            setListOpen(false);
            if (conversationId === null) setSession(newSession());
            else navigate('/');
          }}
          onRename={rename}
          onDelete={remove}
          error={listError}
        />
      </div>
      <div className="chat-main">
        <div className="pickers">
          <div className="field inline">
            <label htmlFor="assistant-picker">Assistant</label>
            <select id="assistant-picker" value={model} onChange={(event) => setModel(event.target.value)}>
              <option value="">Default</option>
              {models.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </div>
          <div className="field inline">
            <label htmlFor="knowledge-base-picker">Knowledge base</label>
            <select
              id="knowledge-base-picker"
              value={knowledgeBase ?? NO_KNOWLEDGE_BASE}
              onChange={(event) => chooseKnowledgeBase(event.target.value)}
            >
              <option value={NO_KNOWLEDGE_BASE}>None (plain chat)</option>
              {knowledgeBases.map((base) => (
                <option key={base.name} value={base.name}>
                  {base.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        {loadError ? (
          <div className="banner error" role="alert">
            {loadError}
          </div>
        ) : null}
        {session ? (
          <ChatSession
            key={session.key}
            sessionId={session.key}
            conversationId={session.conversationId}
            initialMessages={session.messages}
            knowledgeBase={knowledgeBase || null}
            model={model || null}
            onConversationStarted={onConversationStarted}
            onTurnEnded={() => void refreshList()}
          />
        ) : loadError ? null : (
          <p className="muted">Loading conversation…</p>
        )}
      </div>
    </div>
  );
}
