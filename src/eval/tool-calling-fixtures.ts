/**
 * Calls built from an item's ground truth (the first acceptable value of each argument; an optional one whose
 * first acceptable value is "" is left out): what a model that calls right sends. Used to script emulated
 * models and to check a set's items.
 */
import type { ModelToolCall } from './tool-call-checker.ts';
import type { ToolCallingItem } from './tool-calling-set.ts';

/** @example firstAcceptableCalls(item) // [{ name: 'get_weather', arguments: { city: 'Lisbon' } }] */
export function firstAcceptableCalls(item: ToolCallingItem): ModelToolCall[] {
  return item.groundTruth.map((call) => {
    const [name, values] = Object.entries(call)[0]!;
    const args: Record<string, unknown> = {};
    for (const [argument, allowed] of Object.entries(values)) {
      const first = allowed.find((value) => value !== '');
      if (first !== undefined && !allowed.includes('')) args[argument] = first;
      else if (first !== undefined && allowed[0] !== '') args[argument] = first;
    }
    return { name, arguments: args };
  });
}
