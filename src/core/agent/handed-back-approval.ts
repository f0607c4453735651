/**
 * Approvals of calls a managed agent handed back. The agent's own SDK loop cannot sign them, so Godwit
 * does: an HMAC over the approval id, the call (id, tool, input) and the agent's name for it (invocation,
 * action group, operation). A stored call changed after it was signed no longer matches, and is not run.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HandedBackCall, JsonValue } from '../types.ts';

export interface SignedCall {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  input: JsonValue;
  handedBack: HandedBackCall | undefined;
}

/** `v1.<base64url HMAC-SHA256>` of the call under `secret`. */
export function signHandedBackCall(secret: string, call: SignedCall): string {
  const payload = canonicalJson([
    call.approvalId,
    call.toolCallId,
    call.toolName,
    call.input,
    (call.handedBack ?? null) as JsonValue,
  ]);
  return `v1.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** True when `signature` was made by {@link signHandedBackCall} for exactly this call. */
export function verifyHandedBackCall(
  secret: string,
  call: SignedCall,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signHandedBackCall(secret, call));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** JSON with object keys sorted at every level: stores such as PostgreSQL's jsonb do not keep key order. */
function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
