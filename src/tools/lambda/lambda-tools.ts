/**
 * Action-group Lambda functions as tools: one per operation of the action group's OpenAPI schema, each
 * invoking the function with the Bedrock Agents event and reading its action-group response.
 */
import type { AgentTool } from '../../core/agent/agent-tool.ts';
import { jsonSchemaInput } from '../../core/agent/json-schema-input.ts';
import { ToolError } from '../../core/agent/tool-error.ts';
import type { OpenApiDocument } from '../openapi/load-openapi-document.ts';
import { openApiOperations } from '../openapi/openapi-operations.ts';
import { actionGroupEvent, readActionGroupResponse } from './action-group-event.ts';

/** Invokes a function synchronously and returns its parsed JSON payload; `functionError` when it threw. */
export type LambdaInvoke = (
  functionName: string,
  payload: unknown,
  signal: AbortSignal,
) => Promise<{ payload: unknown; functionError?: string }>;

export interface LambdaToolsOptions {
  source: string;
  functionName: string;
  document: OpenApiDocument;
  actionGroup: string;
  assistant: string;
  readOnly: readonly string[] | null;
  invoke: LambdaInvoke;
}

export function lambdaTools(options: LambdaToolsOptions): AgentTool[] {
  return openApiOperations(options.document, `tools.lambda.${options.source}`).map((operation) => {
    const label = `${options.source}__${operation.id}`;
    return {
      name: label,
      description: operation.description,
      inputSchema: jsonSchemaInput(operation.inputSchema),
      readOnly: options.readOnly
        ? options.readOnly.includes(operation.id)
        : operation.method === 'GET' || operation.method === 'HEAD',
      kind: 'lambda' as const,
      async execute(input, context) {
        const event = actionGroupEvent({
          assistant: options.assistant,
          actionGroup: options.actionGroup,
          operation,
          values: (input ?? {}) as Record<string, unknown>,
          context,
        });
        const result = await options.invoke(options.functionName, event, context.abortSignal);
        if (result.functionError) {
          throw new ToolError(`Tool "${label}": the function failed (${result.functionError}).`);
        }
        return readActionGroupResponse(label, result.payload);
      },
    };
  });
}
