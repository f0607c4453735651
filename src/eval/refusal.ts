/**
 * Recognises an answer that declines to answer ("I could not find that in the knowledge base"), for the
 * refusal rate on unanswerable questions and the false-refusal rate on answerable ones. English phrasing
 * only: a model that refuses in other words is counted as answering (see docs/EVALUATION.md).
 */

const REFUSAL_PATTERNS: readonly RegExp[] = [
  /\b(?:couldn't|could not|can't|cannot|can not|didn't|did not|wasn't able to|unable to) (?:find|locate|answer|see|determine)\b/,
  /\b(?:don't|do not|doesn't|does not|didn't|did not) (?:know|have (?:any |enough )?information|contain|mention|say|cover|include)\b/,
  /\bno (?:relevant )?(?:information|mention|details?|answer)\b/,
  /\bnot (?:found|mentioned|covered|stated|specified|available) in\b/,
  /\b(?:is|are) not (?:in|part of) (?:the|my|these|those) (?:knowledge base|sources|documents|passages)\b/,
];

/**
 * True when the answer reads as a refusal.
 *
 * @example isRefusal('I could not find anything about that in the knowledge base.') // true
 */
export function isRefusal(answer: string): boolean {
  const text = answer.toLowerCase().replaceAll('’', "'");
  return REFUSAL_PATTERNS.some((pattern) => pattern.test(text));
}
