/**
 * A parser's failure in a few words for the message a user reads: the first line of its error, cut short. A
 * stack overflow (a document nested far deeper than any real one) says what it means instead of naming the
 * engine's limit.
 */
export function describeParseFailure(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return 'its content is nested too deeply to read';
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}
