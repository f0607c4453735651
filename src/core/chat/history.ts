import type { ModelMessage } from 'ai';
import { estimateTokens } from '../text/tokens.ts';
import type { Message } from '../types.ts';

/**
 * The newest completed turns that fit in `budgetTokens`, oldest first. Failed and pending messages are
 * left out: the model should not see an answer that never finished.
 */
export function windowHistory(messages: readonly Message[], budgetTokens: number): ModelMessage[] {
  const window: ModelMessage[] = [];
  let used = 0;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.status !== 'complete' || (message.role !== 'user' && message.role !== 'assistant')) continue;
    const cost = estimateTokens(message.content) + 4;
    if (used + cost > budgetTokens) break;
    used += cost;
    window.push({ role: message.role, content: message.content });
  }
  return window.reverse();
}
