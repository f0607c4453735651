/**
 * Citation metrics without a model: did the answer cite a gold source (citation hit), and does every
 * citation hold up (citation validity: the cited number is a passage that was retrieved, and any text the
 * answer quotes next to it is in that passage).
 */
import { answerTokens, containsTokens } from './normalize-answer.ts';

/** A passage the answer was given, as `godwit ask --json` shows it. */
export interface CitedPassage {
  index: number;
  source: string;
  text: string;
}

/**
 * 1 when the answer cites at least one gold source, else 0; null when the item names no gold source.
 * A cited source matches a gold one when equal or when it ends with "/" + the gold name, so a file
 * ingested from a folder ("handbook/leave.md") matches the gold "leave.md".
 *
 * @example citationHit(['docs/leave.md'], ['leave.md']) // 1
 */
export function citationHit(citedSources: readonly string[], goldSources: readonly string[]): number | null {
  if (goldSources.length === 0) return null;
  const hit = citedSources.some((cited) =>
    goldSources.some((gold) => cited === gold || cited.endsWith(`/${gold}`)),
  );
  return hit ? 1 : 0;
}

export interface CitationCheck {
  /** Valid citation markers over all markers; null when the answer cites nothing. */
  score: number | null;
  /** What was wrong, one line per bad citation. */
  problems: string[];
}

const MARKER_GROUP = /(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+/g;
const QUOTED = /"([^"\n]{3,})"|“([^”\n]{3,})”/g;

/**
 * Checks every citation marker of the answer. The text before a run of markers (back to the previous
 * run) is the claim they support; a marker is valid when its number is one of `passages` and every
 * quotation in its claim appears, normalised, in one of the passages the run cites.
 *
 * @example citationValidity('Hotels cost up to "EUR 180 a night" [1].', [{ index: 1, source: 'p.md', text: 'EUR 180 a night in Lisbon' }])
 * // { score: 1, problems: [] }
 */
export function citationValidity(answer: string, passages: readonly CitedPassage[]): CitationCheck {
  const byIndex = new Map(passages.map((passage) => [passage.index, passage]));
  const problems: string[] = [];
  let markers = 0;
  let valid = 0;
  let claimStart = 0;
  for (const group of answer.matchAll(MARKER_GROUP)) {
    const claim = answer.slice(claimStart, group.index);
    claimStart = group.index + group[0].length;
    const numbers = [...group[0].matchAll(/\d+/g)].map((match) => Number(match[0]));
    const cited = numbers.map((number) => byIndex.get(number)).filter((passage) => passage !== undefined);
    const unsupported = quotations(claim).filter(
      (quote) => !cited.some((passage) => containsTokens(answerTokens(passage.text), answerTokens(quote))),
    );
    for (const number of numbers) {
      markers++;
      if (!byIndex.has(number)) problems.push(`[${number}] cites a passage that was not retrieved`);
      else if (unsupported.length > 0)
        problems.push(`[${number}] quotes text its passages do not contain: "${unsupported.join('", "')}"`);
      else valid++;
    }
  }
  return { score: markers === 0 ? null : valid / markers, problems };
}

function quotations(claim: string): string[] {
  return [...claim.matchAll(QUOTED)]
    .map((match) => match[1] ?? match[2] ?? '')
    .filter((quote) => quote !== '');
}
