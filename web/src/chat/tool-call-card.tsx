import type { DynamicToolUIPart } from 'ai';

/** How each state of a call reads in the transcript. */
const STATE_LABELS: Record<DynamicToolUIPart['state'], string> = {
  'input-streaming': 'Preparing',
  'input-available': 'Running',
  'approval-requested': 'Waiting for your approval',
  'approval-responded': 'Decided',
  'output-available': 'Done',
  'output-error': 'Failed',
  'output-denied': 'Denied',
};

/** Tool results are data from other systems: shown as text, never as HTML or Markdown. */
function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

interface Props {
  part: DynamicToolUIPart;
  /** Approve or deny a call that waits; absent while the answer streams. */
  onDecide?: (approvalId: string, approved: boolean) => void;
}

/** One tool call of an answer: its name and state, the input it was called with, and its result or error. */
export function ToolCallCard({ part, onDecide }: Props) {
  const label = STATE_LABELS[part.state];
  const approved = part.approval?.approved;
  return (
    <section className={`tool-call tool-${part.state}`} aria-label={`Tool call ${part.toolName}`}>
      <header className="tool-call-header">
        <code className="tool-name">{part.toolName}</code>
        <span className="tool-state">
          {part.state === 'approval-responded' ? (approved ? 'Approved' : 'Denied') : label}
        </span>
      </header>
      <details open={part.state === 'approval-requested'}>
        <summary>Input</summary>
        <pre className="tool-input">{asText(part.input)}</pre>
      </details>
      {part.state === 'output-available' ? (
        <details>
          <summary>Result</summary>
          <pre className="tool-output">{asText(part.output)}</pre>
        </details>
      ) : null}
      {part.state === 'output-error' ? <p className="tool-error">{part.errorText}</p> : null}
      {part.state === 'approval-requested' && onDecide ? (
        <fieldset className="tool-approval" aria-label={`Approve ${part.toolName}?`}>
          <span>Run this tool with the input above?</span>
          <button type="button" onClick={() => onDecide(part.approval.id, true)}>
            Approve
          </button>
          <button type="button" className="secondary" onClick={() => onDecide(part.approval.id, false)}>
            Deny
          </button>
        </fieldset>
      ) : null}
    </section>
  );
}
