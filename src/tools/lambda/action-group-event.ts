/**
 * The Bedrock Agents action-group contract (API-schema action groups), so existing action-group Lambdas
 * run under Godwit unchanged: the event Bedrock sends, and the response it expects back.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html
 */
import { ToolError } from '../../core/agent/tool-error.ts';
import type { JsonValue } from '../../core/types.ts';
import type { OpenApiOperation } from '../openapi/openapi-operations.ts';

export interface ActionGroupEvent {
  messageVersion: '1.0';
  agent: { name: string; id: string; alias: string; version: string };
  inputText: string;
  sessionId: string;
  actionGroup: string;
  apiPath: string;
  httpMethod: string;
  parameters: Array<{ name: string; type: string; value: string }>;
  requestBody?: {
    content: { 'application/json': { properties: Array<{ name: string; type: string; value: string }> } };
  };
  sessionAttributes: Record<string, string>;
  promptSessionAttributes: Record<string, string>;
}

export function actionGroupEvent(input: {
  assistant: string;
  actionGroup: string;
  operation: OpenApiOperation;
  values: Record<string, unknown>;
  context: { tenantId: string; userId: string; conversationId: string };
}): ActionGroupEvent {
  const { operation, values, context } = input;
  const parameters = operation.parameters
    .filter((parameter) => values[parameter.name] !== undefined && values[parameter.name] !== null)
    .map((parameter) => ({
      name: parameter.name,
      type: typeName(parameter.schema.type),
      value: text(values[parameter.name]),
    }));
  const body = values.body;
  return {
    messageVersion: '1.0',
    agent: { name: input.assistant, id: input.assistant, alias: 'godwit', version: '1' },
    inputText: '',
    sessionId: context.conversationId,
    actionGroup: input.actionGroup,
    apiPath: operation.path,
    httpMethod: operation.method,
    parameters,
    ...(body && typeof body === 'object' && !Array.isArray(body)
      ? {
          requestBody: {
            content: {
              'application/json': {
                properties: Object.entries(body).map(([name, value]) => ({
                  name,
                  type: Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value,
                  value: text(value),
                })),
              },
            },
          },
        }
      : {}),
    // Who the call is for travels here, as Bedrock passes session attributes, never through the prompt.
    sessionAttributes: { tenantId: context.tenantId, userId: context.userId },
    promptSessionAttributes: {},
  };
}

/** The function's answer: `response.responseBody['application/json'].body` (a JSON string, or text). */
export function readActionGroupResponse(label: string, payload: unknown): JsonValue {
  const response = (payload as { response?: Record<string, unknown> } | null)?.response;
  if (!response || typeof response !== 'object') {
    throw new ToolError(
      `Tool "${label}": the function's answer is not an action-group response (expected { messageVersion, response: { responseBody } }).`,
    );
  }
  const status = Number(response.httpStatusCode ?? 200);
  const bodies = response.responseBody as Record<string, { body?: unknown }> | undefined;
  const body = bodies?.['application/json']?.body ?? Object.values(bodies ?? {})[0]?.body;
  if (status >= 400) {
    // The function's own reason ("title is empty") lets the model correct its call; a status alone does not.
    const reason = errorDetail(body);
    throw new ToolError(
      `Tool "${label}": the function answered with status ${status}${reason ? `: ${reason}` : '.'}`,
    );
  }
  if (typeof body !== 'string') return (body ?? null) as JsonValue;
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    return body;
  }
}

function typeName(type: unknown): string {
  return typeof type === 'string' ? type : Array.isArray(type) ? String(type[0] ?? 'string') : 'string';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** How much of an error body reaches the model. */
const ERROR_DETAIL_CHARS = 500;

/** The reason an error answer gives: its `message` or `error` field, else its text, cut to a few hundred characters. */
function errorDetail(body: unknown): string {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // Plain text: the reason as written.
    }
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value && typeof value === 'object') {
    const { message, error } = value as { message?: unknown; error?: unknown };
    const nested = error && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
    const field = [message, error, nested].find((candidate) => typeof candidate === 'string');
    text = typeof field === 'string' ? field : JSON.stringify(value);
  } else text = '';
  text = text.trim();
  return text.length > ERROR_DETAIL_CHARS ? `${text.slice(0, ERROR_DETAIL_CHARS)}…` : text;
}
