/**
 * Shapes each Converse request to what the model accepts (see converse-capabilities.ts): instructions in the
 * first user message where there is no system prompt, a clear error instead of a ValidationException for
 * tools, documents or images the model refuses, and Converse in place of ConverseStream when tools are
 * offered to a model that calls tools only without streaming (the answer then arrives as one chunk).
 */
import type { LanguageModelV4Middleware, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { simulateStreamingMiddleware } from 'ai';
import { ValidationError } from '../../core/errors.ts';
import { foldSystemIntoUserMessage } from './bedrock-system-prompt.ts';
import {
  bedrockToolUseProblem,
  type ConverseCapabilities,
  converseCapabilities,
} from './converse-capabilities.ts';

/**
 * The middleware for `modelId`, or null when the model accepts everything Godwit sends.
 *
 * @example converseCapabilityMiddleware('amazon.titan-text-express-v1') // folds instructions, refuses tools
 */
export function converseCapabilityMiddleware(modelId: string): LanguageModelV4Middleware | null {
  const capabilities = converseCapabilities(modelId);
  const { systemPrompt, toolUse, streamingToolUse, documents, images } = capabilities;
  if (systemPrompt && toolUse && streamingToolUse && documents && images) return null;
  const simulated = simulateStreamingMiddleware();
  return {
    specificationVersion: 'v4',
    async transformParams({ params }) {
      if ((params.tools?.length ?? 0) > 0 && !toolUse) {
        throw new ValidationError(bedrockToolUseProblem(modelId) ?? '', { details: { field: 'model' } });
      }
      checkAttachments(params.prompt, modelId, capabilities);
      return systemPrompt ? params : { ...params, prompt: foldSystemIntoUserMessage(params.prompt) };
    },
    async wrapStream(options) {
      const offersTools = (options.params.tools?.length ?? 0) > 0;
      if (!offersTools || streamingToolUse) return options.doStream();
      // Bedrock refuses ConverseStream with tools for these models ("This model doesn't support tool use in
      // streaming mode."), while Converse works: ask once, replay the result as a stream.
      return simulated.wrapStream!(options);
    },
  };
}

/** Refuses document or image blocks the model does not accept, naming the model and the way out. */
function checkAttachments(
  prompt: LanguageModelV4Prompt,
  modelId: string,
  capabilities: ConverseCapabilities,
): void {
  for (const message of prompt) {
    if (message.role === 'system' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type !== 'file') continue;
      const image = part.mediaType.startsWith('image/');
      if (image ? capabilities.images : capabilities.documents) continue;
      const what = image ? 'images' : 'documents';
      throw new ValidationError(
        `bedrock:${modelId} does not accept ${what} in Bedrock Converse (${capabilities.family} models). Send the ${image ? 'image' : "document's text"} another way, or choose a Bedrock model that accepts ${what}, such as bedrock:amazon.nova-lite-v1:0.`,
        { details: { field: 'model' } },
      );
    }
  }
}
