/**
 * Splits a long answer into messages of at most `limit` characters (Discord: 2000; Slack: 3000 per
 * section, 40 000 per message), cutting at the last paragraph break, else line break, else space before the
 * limit, so words and links stay whole. A code fence cut in two is closed and reopened.
 *
 * @example splitMessage('a'.repeat(4500), 2000) // three pieces: 2000, 2000, 500 characters
 */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 20) throw new RangeError('splitMessage needs a limit of at least 20 characters.');
  const pieces: string[] = [];
  let rest = text.trim();
  let reopenFence = false;
  while (rest.length > 0) {
    if (reopenFence) rest = `\`\`\`\n${rest}`;
    if (rest.length <= limit) {
      pieces.push(rest);
      break;
    }
    // Room for a closing fence if this piece ends inside a code block.
    const window = rest.slice(0, limit - 4);
    const cut = cutPoint(window);
    let piece = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).trimStart();
    reopenFence = (piece.match(/```/g)?.length ?? 0) % 2 === 1;
    if (reopenFence) piece = `${piece}\n\`\`\``;
    pieces.push(piece);
  }
  return pieces;
}

function cutPoint(window: string): number {
  const half = Math.floor(window.length / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at >= half) return at + separator.length;
  }
  return window.length;
}
