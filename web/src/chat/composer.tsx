import { type FormEvent, type KeyboardEvent, useId } from 'react';

interface Props {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  busy: boolean;
  disabled?: boolean;
}

/** The message box: Enter sends, Shift+Enter adds a line; while an answer streams, Stop replaces Send. */
export function Composer({ value, onChange, onSend, onStop, busy, disabled }: Props) {
  const hintId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy && value.trim()) onSend();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (!busy && value.trim()) onSend();
    }
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="message-box" className="visually-hidden">
        Message
      </label>
      <textarea
        id="message-box"
        value={value}
        rows={Math.min(8, Math.max(2, value.split('\n').length))}
        placeholder="Ask a question…"
        aria-describedby={hintId}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <span id={hintId} className="visually-hidden">
        Enter sends; Shift+Enter adds a line.
      </span>
      {busy ? (
        <button type="button" className="button secondary" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={disabled || !value.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
