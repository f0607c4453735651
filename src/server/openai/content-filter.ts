/**
 * A guardrail's block on `/v1/chat/completions`, the way OpenAI reports its own content filter: the answer
 * ends with `finish_reason: "content_filter"` instead of an error, and its content is the guardrail's
 * message (what Bedrock returns in place of the blocked text), after any text that passed. The native
 * `/api/chat` keeps answering 422 `guardrail_intervened`.
 */
import { GodwitError, type GuardrailInterventionError } from '../../core/errors.ts';

/** The intervention behind `error`, or undefined when it is another failure. */
export function guardrailIntervention(error: unknown): GuardrailInterventionError | undefined {
  return GodwitError.isInstance(error) && error.code === 'guardrail_intervened' && 'intervention' in error
    ? (error as GuardrailInterventionError)
    : undefined;
}

/**
 * What follows the text already said: the guardrail's message, unless that text already ends with it
 * (Converse streams it as the answer). With nothing said and no message from the guardrail, Godwit's
 * description of the block (which guardrail, which policy), so the content is never silently empty.
 */
export function contentFilterText(
  said: string,
  guardrailMessage: string | undefined,
  description: string,
): string {
  const message = guardrailMessage ?? (said ? '' : description);
  if (!message || said.endsWith(message)) return '';
  return said ? `\n\n${message}` : message;
}
