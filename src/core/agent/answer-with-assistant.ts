/**
 * The assistant half of a chat turn: runs the tool loop and keeps `progress` current, so the turn stores the
 * same text, citations and tool calls whether the loop finishes, fails or is cut off.
 */
import type { ModelMessage } from 'ai';
import { citedIndexes } from '../chat/prompt.ts';
import type { Citation, MessageDegraded, MessagePart, Usage } from '../types.ts';
import { AgentRun } from './agent-run.ts';
import type { AssistantCatalog, PreparedAssistant } from './assistant-catalog.ts';
import type { ToolCallView } from './tool-call-view.ts';

export interface AnswerProgress {
  text: string;
  citations: Citation[];
  /** Ordered parts of the answer (text, tool calls, results); null = the text alone. */
  parts: MessagePart[] | null;
  usage: Usage | null;
  answeredBy: string;
  /** Why a finished loop is not a complete answer (step limit), or that it waits for an approval. */
  ending: { status: 'complete' | 'incomplete'; note: string | null };
  /** Set when the answer's sources were found by keyword only (the embedding provider was unavailable). */
  degraded?: MessageDegraded;
}

export type AssistantEvent =
  | { type: 'degraded'; reason: string }
  | { type: 'text'; delta: string }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'tool'; call: ToolCallView };

export async function* answerWithAssistant(
  catalog: AssistantCatalog,
  prepared: PreparedAssistant,
  input: {
    messages: ModelMessage[];
    context: { tenantId: string; userId: string; conversationId: string };
    abortSignal: AbortSignal;
    resumeParts?: MessagePart[];
    resumeCitations?: Citation[];
  },
  progress: AnswerProgress,
): AsyncGenerator<AssistantEvent> {
  const run = new AgentRun(
    {
      assistant: prepared.definition,
      model: prepared.model,
      tools: prepared.tools,
      messages: input.messages,
      context: input.context,
      abortSignal: input.abortSignal,
      ...(input.resumeParts ? { resumeParts: input.resumeParts } : {}),
      ...(input.resumeCitations ? { resumeCitations: input.resumeCitations } : {}),
    },
    catalog.settings,
  );
  const sync = () => {
    progress.text = run.text;
    progress.parts = run.parts;
    progress.citations = keepCitedAcrossTurn(run.text, run.citations.all());
    progress.usage = run.usage;
    progress.answeredBy = run.answeredBy;
  };
  try {
    for await (const event of run.events()) {
      const announced = progress.degraded !== undefined;
      sync();
      if (run.degraded && !announced) {
        progress.degraded = { reason: run.degraded };
        yield { type: 'degraded', reason: run.degraded };
      }
      yield event;
    }
  } finally {
    sync();
    if (run.degraded) progress.degraded ??= { reason: run.degraded };
  }
  if (run.stepLimitReached) {
    progress.ending = {
      status: 'incomplete',
      note: `The assistant stopped after ${prepared.definition.maxSteps} steps (its step limit) before it finished.`,
    };
  }
}

/** Passages the answer cites; while it has not answered yet, every passage its tools showed. */
function keepCitedAcrossTurn(text: string, citations: Citation[]): Citation[] {
  const cited = citedIndexes(text);
  if (cited.size === 0) return text.length > 0 ? [] : citations;
  return citations.filter((citation) => cited.has(citation.index));
}
