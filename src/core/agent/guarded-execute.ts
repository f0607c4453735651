/**
 * Runs one tool call under the loop's limits: a timeout (the call's signal is aborted, and the loop stops
 * waiting even if the tool ignores it), an output size cap (larger results are cut and marked), a check
 * that the result is JSON, and secrets redacted from whatever comes back.
 */
import { GodwitError } from '../errors.ts';
import type { JsonValue } from '../types.ts';
import type { AgentTool, ToolContext } from './agent-tool.ts';
import { ToolError } from './tool-error.ts';

export interface ToolLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  /** Secret values (API keys, tokens) that must never reach the model, the store or the logs. */
  secrets: readonly string[];
}

export async function guardedExecute(
  tool: AgentTool,
  input: unknown,
  context: ToolContext,
  limits: ToolLimits,
): Promise<JsonValue> {
  const timeoutMs = tool.timeoutMs ?? limits.timeoutMs;
  const controller = new AbortController();
  const abort = () => controller.abort(context.abortSignal.reason);
  context.abortSignal.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ToolError(
        `Tool "${tool.name}" did not answer within ${timeoutMs} ms and was stopped.`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const output = await Promise.race([
      tool.execute(input, { ...context, abortSignal: controller.signal }),
      timedOut,
    ]);
    return capOutput(tool.name, redact(toJson(tool.name, output), limits.secrets), limits.maxOutputBytes);
  } catch (error) {
    throw toToolError(tool.name, error, limits.secrets);
  } finally {
    clearTimeout(timer);
    context.abortSignal.removeEventListener('abort', abort);
  }
}

/** The output as plain JSON; anything JSON cannot carry (cycles, BigInt, functions) is an error. */
function toJson(toolName: string, output: unknown): JsonValue {
  if (output === undefined) return null;
  if (typeof output === 'string') return output;
  try {
    return JSON.parse(JSON.stringify(output)) as JsonValue;
  } catch (error) {
    throw new ToolError(`Tool "${toolName}" returned a value that is not JSON (${describe(error)}).`);
  }
}

/** Results past the cap become `{ truncated: true, bytes, preview }`, cut on a character boundary. */
function capOutput(toolName: string, output: JsonValue, maxBytes: number): JsonValue {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return output;
  const preview = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return {
    truncated: true,
    bytes,
    note: `Tool "${toolName}" returned ${bytes} bytes; only the first ${maxBytes} are shown.`,
    preview,
  };
}

function redact<Value extends JsonValue>(value: Value, secrets: readonly string[]): Value {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactText(value, secrets) as Value;
  const text = JSON.stringify(value);
  if (!secrets.some((secret) => text.includes(secret))) return value;
  return JSON.parse(redactText(text, secrets)) as Value;
}

export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.replaceAll(secret, '[redacted]');
  return result;
}

function toToolError(toolName: string, error: unknown, secrets: readonly string[]): ToolError {
  if (error instanceof ToolError) return new ToolError(redactText(error.message, secrets));
  const detail = GodwitError.isInstance(error) ? error.message : describe(error);
  return new ToolError(redactText(`Tool "${toolName}" failed: ${detail}`, secrets), { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
