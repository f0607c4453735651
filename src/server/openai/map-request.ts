/**
 * The non-message parts of a chat completion request → AI SDK call options: sampling settings, and
 * function tools declared without `execute`, so the model's tool calls come back to the client instead
 * of being run here.
 */
import { jsonSchema, type ToolChoice, type ToolSet, tool } from 'ai';
import { ValidationError } from '../../core/errors.ts';
import type { ChatCompletionRequest } from '../schemas/openai-schemas.ts';

export interface CallSettings {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stopSequences?: string[];
  seed?: number;
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { details: { field, reason: 'invalid_value' } });
}

/** Sampling settings; `null` means "the model's default", as in OpenAI's API. */
export function toCallSettings(request: ChatCompletionRequest): CallSettings {
  const format = request.response_format?.type;
  if (format !== undefined && format !== 'text') {
    throw invalid(
      'response_format',
      `"${format}" is not supported; omit response_format, or declare a function tool whose parameters are the schema.`,
    );
  }
  const settings: CallSettings = {};
  const maxOutputTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxOutputTokens != null) settings.maxOutputTokens = maxOutputTokens;
  if (request.temperature != null) settings.temperature = request.temperature;
  if (request.top_p != null) settings.topP = request.top_p;
  if (request.presence_penalty != null) settings.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) settings.frequencyPenalty = request.frequency_penalty;
  if (request.seed != null) settings.seed = request.seed;
  if (request.stop != null)
    settings.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  return settings;
}

/** Function tools by name, without `execute`; undefined when the request declares none. */
export function toToolSet(request: ChatCompletionRequest): ToolSet | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  const tools: ToolSet = {};
  request.tools.forEach((declared, index) => {
    const { name, description, parameters, strict } = declared.function;
    if (tools[name]) throw invalid(`tools[${index}].function.name`, `"${name}" is declared twice`);
    tools[name] = tool({
      description,
      inputSchema: jsonSchema(parameters ?? { type: 'object', properties: {} }),
      ...(strict == null ? {} : { strict }),
    });
  });
  return tools;
}

export function toToolChoice(
  request: ChatCompletionRequest,
  tools: ToolSet | undefined,
): ToolChoice<ToolSet> | undefined {
  const choice = request.tool_choice;
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') {
    if (choice === 'required' && !tools)
      throw invalid('tool_choice', '"required" needs at least one tool in tools');
    return choice;
  }
  const toolName = choice.function.name;
  if (!tools?.[toolName])
    throw invalid('tool_choice.function.name', `"${toolName}" is not one of the declared tools`);
  return { type: 'tool', toolName };
}
