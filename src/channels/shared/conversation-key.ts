import { createHash } from 'node:crypto';

/**
 * The conversation of a place in a channel (a Slack thread, a Discord channel and user), as a stable id: the
 * same place always continues the same conversation, on any instance, with no lookup table. The id has the
 * shape of a UUID (version 8, name-based) like the ids Godwit generates itself.
 *
 * @example conversationIdFor(['slack', 'T1', 'C1', '1733500000.000100'])
 */
export function conversationIdFor(parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
