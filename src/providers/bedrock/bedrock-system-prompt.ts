/**
 * Instructions for Bedrock models that take no system prompt in Converse (Amazon Titan text, Mistral AI
 * Instruct, Cohere Command text and light, AI21 Jurassic-2: see converse-capabilities.ts); Bedrock answers
 * a `system` block for them with a ValidationException. For those models the instructions go at the head of
 * the first user message instead, so every Godwit instruction (grounding, citations, expansion format)
 * still reaches the model.
 */
import type { LanguageModelV4Middleware, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { converseCapabilities } from './converse-capabilities.ts';

/**
 * @example bedrockAcceptsSystemPrompt('amazon.titan-text-express-v1') // false
 */
export function bedrockAcceptsSystemPrompt(modelId: string): boolean {
  return converseCapabilities(modelId).systemPrompt;
}

/**
 * Moves system messages into the first user message: `Instructions:` then the system text, a blank line,
 * then the user's own content. A prompt with no user message gets one holding the instructions alone.
 */
export function foldSystemIntoUserMessage(prompt: LanguageModelV4Prompt): LanguageModelV4Prompt {
  const system = prompt.flatMap((message) => (message.role === 'system' ? [message.content] : []));
  if (system.length === 0) return prompt;
  const rest = prompt.filter((message) => message.role !== 'system');
  const instructions = `Instructions:\n${system.join('\n\n')}`;
  const firstUser = rest.findIndex((message) => message.role === 'user');
  if (firstUser < 0) {
    return [{ role: 'user', content: [{ type: 'text', text: instructions }] }, ...rest];
  }
  return rest.map((message, index) => {
    if (index !== firstUser || message.role !== 'user') return message;
    const [head, ...tail] = message.content;
    // One text block, as a model without chat training reads its prompt best.
    if (head?.type === 'text') {
      return { ...message, content: [{ ...head, text: `${instructions}\n\n${head.text}` }, ...tail] };
    }
    return { ...message, content: [{ type: 'text' as const, text: instructions }, ...message.content] };
  });
}

/** Middleware for the models `bedrockAcceptsSystemPrompt` rejects; other models are left unwrapped. */
export const systemPromptFoldingMiddleware: LanguageModelV4Middleware = {
  specificationVersion: 'v4',
  async transformParams({ params }) {
    return { ...params, prompt: foldSystemIntoUserMessage(params.prompt) };
  },
};
