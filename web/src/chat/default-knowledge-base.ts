/** The knowledge base the server loads into a new data directory (examples/handbook/). */
export const SAMPLE_KNOWLEDGE_BASE = 'handbook';

/** Plain chat, with no knowledge base. */
export const NO_KNOWLEDGE_BASE = '';

/**
 * The knowledge base the chat starts with: the one last chosen in this browser (`remembered`; an empty
 * string means plain chat was chosen), else the only one, else the sample, else plain chat. A remembered
 * base that has been deleted since counts as no choice.
 *
 * @example
 * pickDefaultKnowledgeBase(null, ['handbook', 'hr']); // → 'handbook'
 */
export function pickDefaultKnowledgeBase(remembered: string | null, available: readonly string[]): string {
  if (remembered === NO_KNOWLEDGE_BASE) return NO_KNOWLEDGE_BASE;
  if (remembered !== null && available.includes(remembered)) return remembered;
  if (available.length === 1) return available[0]!;
  if (available.includes(SAMPLE_KNOWLEDGE_BASE)) return SAMPLE_KNOWLEDGE_BASE;
  return NO_KNOWLEDGE_BASE;
}
