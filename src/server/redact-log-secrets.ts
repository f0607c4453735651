/**
 * Scrubs credentials from a log line before it is written: Godwit API keys (`gw_…`), bearer tokens and JWTs,
 * OpenAI-style keys (`sk-…`), AWS access key ids, and passwords in URLs. A message that quotes a request or
 * an upstream error cannot leak a secret into the logs this way.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bgw_[A-Za-z0-9_-]{8,}/g, 'gw_[redacted]'],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, 'sk-[redacted]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1[redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"]+:)[^\s@/"]+@/gi, '$1***@'],
];

/**
 * Something every pattern above needs in the text (case aside): a line without any of these has nothing to
 * scrub, and most lines (the request log) have none, so the six replacements are skipped for them.
 */
const ANY_CANDIDATE = /gw_|bearer|eyJ|sk-|AKIA|ASIA|:\/\//i;

export function redactLogSecrets(text: string): string {
  if (!ANY_CANDIDATE.test(text)) return text;
  let result = text;
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}
