/** `current_time` and `calculator`: read-only built-ins that need nothing but the process. */
import { z } from 'zod';
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { ValidationError } from '../../core/errors.ts';
import { evaluateExpression } from './calculator.ts';

export function currentTimeTool(now: () => Date = () => new Date()): AgentTool {
  return {
    name: 'current_time',
    description:
      'The current date and time. Give an IANA time zone (e.g. "Europe/Paris") for local time; default UTC.',
    inputSchema: z.object({ timeZone: z.string().optional() }),
    readOnly: true,
    kind: 'builtin',
    async execute(input) {
      const { timeZone = 'UTC' } = input as { timeZone?: string };
      const at = now();
      let local: string;
      try {
        local = new Intl.DateTimeFormat('en-GB', {
          timeZone,
          dateStyle: 'full',
          timeStyle: 'long',
        }).format(at);
      } catch {
        throw new ValidationError(`"${timeZone}" is not an IANA time zone; use one like "America/New_York".`);
      }
      return { iso: at.toISOString(), timeZone, local };
    },
  };
}

export function calculatorTool(): AgentTool {
  return {
    name: 'calculator',
    description:
      'Evaluates an arithmetic expression exactly: + - * / % ^, parentheses, sqrt, abs, round, floor, ceil, min, max, log, ln, exp, pi, e.',
    inputSchema: z.object({ expression: z.string().min(1).max(1000) }),
    readOnly: true,
    kind: 'builtin',
    async execute(input) {
      const { expression } = input as { expression: string };
      return { expression, result: evaluateExpression(expression) };
    },
  };
}
