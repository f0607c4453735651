import { useState } from 'react';
import type { Citation } from '../api/types.ts';
import { type ChatMessage, messageCitations, messageText } from './chat-types.ts';
import { CitationChips } from './citation-chips.tsx';
import { Markdown } from './markdown.tsx';
import { ToolCallCard } from './tool-call-card.tsx';

interface Props {
  message: ChatMessage;
  streaming: boolean;
  canRetry: boolean;
  onRetry: () => void;
  onOpenCitation: (citation: Citation) => void;
  selectedCitation: Citation | null;
  /** Approve or deny a tool call that waits for the user. */
  onDecide?: (approvalId: string, approved: boolean) => void;
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" className="link-button" onClick={copy} aria-label="Copy answer">
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** How an answer that did not finish is introduced, by its stored status. */
const FAILURE_LABELS: Record<string, string> = {
  incomplete: 'The answer stopped early: ',
  interrupted: 'Interrupted: ',
  failed: 'Failed: ',
};

/** One message: the user's text, or an answer with Markdown, its sources and actions. */
export function MessageView({
  message,
  streaming,
  canRetry,
  onRetry,
  onOpenCitation,
  selectedCitation,
  onDecide,
}: Props) {
  const text = messageText(message);
  if (message.role === 'user') {
    return (
      <article className="message user" aria-label="Your message">
        <p className="user-text">{text}</p>
      </article>
    );
  }
  const citations = messageCitations(message);
  const failure = message.metadata?.error;
  const degraded = message.metadata?.degraded;
  const status = message.metadata?.status;
  return (
    <article className="message assistant" aria-label="Answer" aria-busy={streaming}>
      {degraded ? (
        <p className="message-notice" role="status">
          Degraded answer: {degraded.reason}
        </p>
      ) : null}
      {message.parts.map((part) =>
        part.type === 'dynamic-tool' ? (
          <ToolCallCard key={part.toolCallId} part={part} {...(!streaming && onDecide ? { onDecide } : {})} />
        ) : null,
      )}
      {text ? <Markdown text={text} /> : streaming ? <p className="thinking">Thinking…</p> : null}
      {failure ? (
        <p className="message-error" role="alert">
          {FAILURE_LABELS[status ?? 'failed'] ?? FAILURE_LABELS.failed}
          {failure.message}
        </p>
      ) : null}
      {citations && (citations.final || streaming) ? (
        <CitationChips citations={citations.citations} onOpen={onOpenCitation} selected={selectedCitation} />
      ) : null}
      {!streaming ? (
        <div className="message-actions">
          {text ? <CopyButton text={text} /> : null}
          {canRetry ? (
            <button type="button" className="link-button" onClick={onRetry}>
              Retry
            </button>
          ) : null}
          {message.metadata?.model ? <span className="muted">{message.metadata.model}</span> : null}
        </div>
      ) : null}
    </article>
  );
}
