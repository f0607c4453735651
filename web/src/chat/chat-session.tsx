import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { useEffect, useMemo, useRef, useState } from 'react';
import { authHeaders, describeError, notifyUnauthorized } from '../api/api-client.ts';
import type { Citation } from '../api/types.ts';
import type { ChatMessage } from './chat-types.ts';
import { messageText } from './chat-types.ts';
import { Composer } from './composer.tsx';
import { MessageView } from './message-view.tsx';
import { SourcePanel } from './source-panel.tsx';

export const UI_CHAT_API = '/api/ui/chat';

// A message whose sending failed, kept across remounts (a 401 swaps in the sign-in screen, a new chat
// opens a new session) so the text is back in the box afterwards.
let unsentText: string | null = null;

/** Forgets a failed message's text (tests start each case with an empty box). */
export function forgetUnsentText(): void {
  unsentText = null;
}

interface Props {
  sessionId: string;
  conversationId: string | null;
  initialMessages: ChatMessage[];
  knowledgeBase: string | null;
  model: string | null;
  /** Called once the server names the conversation a new chat started. */
  onConversationStarted: (conversationId: string) => void;
  /** Called after every turn, finished or failed (to refresh the conversation list). */
  onTurnEnded: () => void;
}

/** `assistant:<name>` (as /v1/models lists assistants) answers as that assistant, with its tools. */
function modelOrAssistant(model: string | null): { model?: string; assistant?: string } {
  if (!model) return {};
  return model.startsWith('assistant:') ? { assistant: model.slice('assistant:'.length) } : { model };
}

/** One conversation's messages and message box, streaming through `useChat`. */
export function ChatSession(props: Props) {
  const { sessionId, initialMessages, knowledgeBase, model, onConversationStarted, onTurnEnded } = props;
  const conversationId = useRef(props.conversationId);
  const request = useRef({ knowledgeBase, model });
  request.current = { knowledgeBase, model };
  const [draft, setDraft] = useState(() => unsentText ?? '');
  const lastSent = useRef('');
  const [selected, setSelected] = useState<Citation | null>(null);
  const endRef = useRef<HTMLDivElement>(null);

  const transport = useMemo(
    () =>
      new DefaultChatTransport<ChatMessage>({
        api: UI_CHAT_API,
        headers: () => authHeaders(),
        body: () => ({
          conversationId: conversationId.current,
          knowledgeBase: request.current.knowledgeBase,
          ...modelOrAssistant(request.current.model),
        }),
        // Earlier turns are stored on the server: send only the new message.
        prepareSendMessagesRequest: ({ id, messages, body }) => ({
          body: { ...body, id, messages: messages.slice(-1) },
        }),
        fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await fetch(input, init);
          if (response.status === 401) notifyUnauthorized();
          return response;
        }) as typeof fetch,
      }),
    [],
  );

  const chat = useChat<ChatMessage>({
    id: sessionId,
    messages: initialMessages,
    transport,
    // Once every waiting tool call is approved or denied, the answer continues on the server.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    onFinish: () => onTurnEnded(),
    onError: () => {
      // Nothing was stored for a request that failed before the answer started: take the message back
      // into the box so it can be sent again.
      chat.setMessages((messages) => (messages.at(-1)?.role === 'user' ? messages.slice(0, -1) : messages));
      unsentText = lastSent.current;
      setDraft((current) => (current.trim() ? current : lastSent.current));
      onTurnEnded();
    },
  });
  const { messages, status, error } = chat;
  const busy = status === 'submitted' || status === 'streaming';

  const latestConversationId = [...messages].reverse().find((message) => message.metadata?.conversationId)
    ?.metadata?.conversationId;
  useEffect(() => {
    if (latestConversationId && latestConversationId !== conversationId.current) {
      conversationId.current = latestConversationId;
      onConversationStarted(latestConversationId);
    }
  }, [latestConversationId, onConversationStarted]);

  const lastText = messages.length > 0 ? messageText(messages[messages.length - 1] as ChatMessage) : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll as the answer grows
  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, lastText]);

  const editDraft = (text: string) => {
    setDraft(text);
    // After a failure the box's text is kept until it is sent or cleared.
    if (unsentText !== null) unsentText = text || null;
  };
  const send = () => {
    const text = draft;
    lastSent.current = text;
    unsentText = null;
    setDraft('');
    chat.clearError();
    void chat.sendMessage({ text });
  };
  const decide = (approvalId: string, approved: boolean) => {
    chat.clearError();
    void chat.addToolApprovalResponse({ id: approvalId, approved });
  };
  const retry = () => {
    chat.clearError();
    void chat.regenerate();
  };

  const last = messages.at(-1);
  const failureShownOnMessage = last?.role === 'assistant' && last.metadata?.error !== undefined;

  return (
    <div className={selected ? 'chat-area with-source' : 'chat-area'}>
      <div className="chat-column">
        <section className="transcript" aria-label="Conversation" aria-live="polite">
          {messages.length === 0 ? (
            <div className="empty-chat">
              <h2>Ask anything</h2>
              <p>
                {knowledgeBase
                  ? `Answers come from the knowledge base “${knowledgeBase}”, with numbered sources.`
                  : 'Pick a knowledge base to answer from your documents, or chat without one.'}
              </p>
            </div>
          ) : null}
          {messages.map((message, position) => {
            const isLast = position === messages.length - 1;
            return (
              <MessageView
                key={message.id}
                message={message}
                streaming={busy && isLast && message.role === 'assistant'}
                canRetry={!busy && isLast && message.role === 'assistant'}
                onRetry={retry}
                onOpenCitation={setSelected}
                selectedCitation={selected}
                onDecide={decide}
              />
            );
          })}
          {busy && last?.role === 'user' ? <p className="thinking">Thinking…</p> : null}
          <div ref={endRef} />
        </section>
        {error && !failureShownOnMessage ? (
          <div className="banner error" role="alert">
            <span>{describeError(error)}</span>
          </div>
        ) : null}
        <Composer
          value={draft}
          onChange={editDraft}
          onSend={send}
          onStop={() => void chat.stop()}
          busy={busy}
        />
      </div>
      {selected ? <SourcePanel citation={selected} onClose={() => setSelected(null)} /> : null}
    </div>
  );
}
