/**
 * Whether a tool call waits for the user. The default (`auto`) runs read-only tools and asks for anything
 * that may change something: write operations, tools of unknown effect, and every MCP tool.
 */

export interface ApprovalPolicy {
  mode: 'auto' | 'always' | 'never';
  /** Per tool name: `ask` or `run`, overriding the mode. */
  tools: Record<string, 'ask' | 'run'>;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = { mode: 'auto', tools: {} };

export function needsApproval(
  policy: ApprovalPolicy,
  tool: { name: string; readOnly: boolean; kind: string },
): boolean {
  const override = policy.tools[tool.name];
  if (override) return override === 'ask';
  if (policy.mode === 'always') return true;
  if (policy.mode === 'never') return false;
  return tool.kind === 'mcp' || !tool.readOnly;
}
