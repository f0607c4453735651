/**
 * OpenAI chat messages → AI SDK model messages. System and developer messages keep their place in the
 * conversation; assistant tool calls and tool results are paired by id, since the AI SDK names the tool
 * on both sides and OpenAI only on the call.
 */
import type { AssistantModelMessage, FilePart, ImagePart, ModelMessage, UserModelMessage } from 'ai';
import { ValidationError } from '../../core/errors.ts';
import type { OpenAIChatMessage } from '../schemas/openai-schemas.ts';
import type { FetchedImages } from './fetch-message-images.ts';

type TextContent = string | Array<{ type: 'text'; text: string }>;

function textOf(content: TextContent | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { details: { field, reason: 'invalid_value' } });
}

/**
 * An image part: a data: URL as given, an http(s) URL as the bytes fetched for it. Without `images`
 * (checking a request that goes to a provider as written) an http(s) URL is only validated.
 */
function imagePart(url: string, field: string, images: FetchedImages | undefined): ImagePart | FilePart {
  if (url.startsWith('data:')) return { type: 'image', image: url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, 'expected an http(s) or data: URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(field, 'expected an http(s) or data: URL');
  }
  if (images === undefined) return { type: 'image', image: parsed };
  const fetched = images.get(url);
  // Handing the SDK a URL would let it fetch past the guard: every linked image must have been fetched.
  if (!fetched) throw new Error(`${field}: the image was not fetched before mapping the messages`);
  return { type: 'file', data: fetched.bytes, mediaType: fetched.mediaType ?? 'image' };
}

function userContent(
  message: Extract<OpenAIChatMessage, { role: 'user' }>,
  field: string,
  images: FetchedImages | undefined,
): UserModelMessage['content'] {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part, index) => {
    if (part.type === 'text') return { type: 'text' as const, text: part.text };
    return imagePart(part.image_url.url, `${field}.content[${index}].image_url.url`, images);
  });
}

function parseArguments(text: string, field: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(field, 'expected the tool call arguments as a JSON string');
  }
}

function assistantMessage(
  message: Extract<OpenAIChatMessage, { role: 'assistant' }>,
  field: string,
  toolNames: Map<string, string>,
): AssistantModelMessage {
  const text = textOf(message.content);
  const calls = message.tool_calls ?? [];
  if (calls.length === 0) return { role: 'assistant', content: text };
  const content: Exclude<AssistantModelMessage['content'], string> = text ? [{ type: 'text', text }] : [];
  calls.forEach((call, index) => {
    toolNames.set(call.id, call.function.name);
    content.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: call.function.name,
      input: parseArguments(call.function.arguments, `${field}.tool_calls[${index}].function.arguments`),
    });
  });
  return { role: 'assistant', content };
}

function toolMessage(
  message: Extract<OpenAIChatMessage, { role: 'tool' }>,
  field: string,
  toolNames: Map<string, string>,
): ModelMessage {
  const toolName = toolNames.get(message.tool_call_id);
  if (!toolName) {
    throw invalid(
      `${field}.tool_call_id`,
      `no earlier assistant message has a tool call with id "${message.tool_call_id}"`,
    );
  }
  const output = { type: 'text' as const, value: textOf(message.content) };
  return {
    role: 'tool',
    content: [{ type: 'tool-result', toolCallId: message.tool_call_id, toolName, output }],
  };
}

/**
 * `images`: the bytes fetched for each http(s) image URL (fetchMessageImages). Omit it only to check
 * messages that are not given to a model here; then image URLs stay URLs.
 *
 * @throws ValidationError naming the message field (`messages[2].tool_call_id`) that cannot be mapped.
 */
export function toModelMessages(
  messages: readonly OpenAIChatMessage[],
  images?: FetchedImages,
): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, index): ModelMessage => {
    const field = `messages[${index}]`;
    if (message.role === 'system' || message.role === 'developer') {
      return { role: 'system', content: textOf(message.content) };
    }
    if (message.role === 'user') return { role: 'user', content: userContent(message, field, images) };
    if (message.role === 'assistant') return assistantMessage(message, field, toolNames);
    return toolMessage(message, field, toolNames);
  });
}

/** The text of the last user message: the question a `kb:` assistant answers. */
export function lastUserText(messages: readonly OpenAIChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    return message.content
      .filter((part) => part.type === 'text')
      .map((part) => part.text)
      .join('\n');
  }
  throw new ValidationError('messages: a kb: model answers the last user message, and there is none.', {
    details: { field: 'messages', reason: 'invalid_value' },
  });
}
