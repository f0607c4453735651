import { useState } from 'react';
import type { Conversation } from '../api/types.ts';

interface Props {
  conversations: Conversation[];
  activeId: string | null;
  query: string;
  onQueryChange: (query: string) => void;
  onSelect: (id: string) => void;
  onNew: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  error: string | null;
}

function ConversationItem({
  conversation,
  active,
  onSelect,
  onRename,
  onDelete,
}: {
  conversation: Conversation;
  active: boolean;
  onSelect: () => void;
  onRename: (title: string) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm-delete'>('view');
  const [title, setTitle] = useState(conversation.title);
  if (mode === 'rename') {
    return (
      <li className="conversation editing">
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            if (title.trim()) await onRename(title.trim());
            setMode('view');
          }}
        >
          <label className="visually-hidden" htmlFor={`rename-${conversation.id}`}>
            New title
          </label>
          <input
            id={`rename-${conversation.id}`}
            value={title}
            // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
            autoFocus
            onChange={(event) => setTitle(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setMode('view');
            }}
          />
          <button type="submit" className="link-button">
            Save
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className={active ? 'conversation active' : 'conversation'}>
      <button
        type="button"
        className="conversation-title"
        aria-current={active ? 'page' : undefined}
        onClick={onSelect}
        title={conversation.title}
      >
        {conversation.title}
      </button>
      {mode === 'confirm-delete' ? (
        <span className="conversation-actions">
          <button type="button" className="link-button danger" onClick={() => void onDelete()}>
            Confirm delete
          </button>
          <button type="button" className="link-button" onClick={() => setMode('view')}>
            Cancel
          </button>
        </span>
      ) : (
        <span className="conversation-actions">
          <button
            type="button"
            className="link-button"
            aria-label={`Rename “${conversation.title}”`}
            onClick={() => {
              setTitle(conversation.title);
              setMode('rename');
            }}
          >
            Rename
          </button>
          <button
            type="button"
            className="link-button danger"
            aria-label={`Delete “${conversation.title}”`}
            onClick={() => setMode('confirm-delete')}
          >
            Delete
          </button>
        </span>
      )}
    </li>
  );
}

/** The conversation list: search, new, rename, delete. */
export function ConversationList(props: Props) {
  return (
    <nav className="conversation-list" aria-label="Conversations">
      <button type="button" className="button primary wide" onClick={props.onNew}>
        New chat
      </button>
      <div className="field">
        <label htmlFor="conversation-search" className="visually-hidden">
          Search conversations
        </label>
        <input
          id="conversation-search"
          type="search"
          placeholder="Search conversations"
          value={props.query}
          onChange={(event) => props.onQueryChange(event.target.value)}
        />
      </div>
      {props.error ? (
        <p className="muted" role="alert">
          {props.error}
        </p>
      ) : null}
      <ul>
        {props.conversations.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            active={conversation.id === props.activeId}
            onSelect={() => props.onSelect(conversation.id)}
            onRename={(title) => props.onRename(conversation.id, title)}
            onDelete={() => props.onDelete(conversation.id)}
          />
        ))}
      </ul>
      {props.conversations.length === 0 && !props.error ? (
        <p className="muted">{props.query ? 'No conversation matches.' : 'No conversations yet.'}</p>
      ) : null}
    </nav>
  );
}
