/**
 * The OpenAI-compatible API's building blocks: request and message mapping, the completion and chunk
 * formats, passthrough and grounded chat, embeddings, the model catalog and OpenAI-shaped errors. The
 * routes that use them are in ../routes/openai-routes.ts.
 */
export type { ChatCall, UsageContext, UsageMeter } from './chat-call.ts';
export { startUsageMeter } from './chat-call.ts';
export {
  ChunkWriter,
  type CompletionIdentity,
  completionBody,
  EVENT_STREAM_HEADERS,
  newCompletionIdentity,
  type OpenAIFinishReason,
  type OpenAIUsage,
  toFinishReason,
} from './completion-format.ts';
export { createEmbeddings, MAX_EMBEDDING_INPUTS, toBase64Float32 } from './embeddings.ts';
export {
  type FetchedImage,
  type FetchedImages,
  fetchMessageImages,
  NO_IMAGES,
} from './fetch-message-images.ts';
export { completeForwarded, type ForwardTarget, streamForwarded } from './forwarded-chat.ts';
export { completeGrounded, streamGrounded } from './grounded-chat.ts';
export { lastUserText, toModelMessages } from './map-messages.ts';
export { toCallSettings, toToolChoice, toToolSet } from './map-request.ts';
export {
  type ChatTarget,
  isOffered,
  KNOWLEDGE_BASE_PREFIX,
  listModels,
  type ModelEntry,
  resolveChatTarget,
  resolveEmbedder,
} from './model-catalog.ts';
export {
  createOpenAIErrorHandler,
  modelNotFound,
  type OpenAIErrorBody,
  openAIErrorReply,
  openAIValidationHook,
  toOpenAIError,
} from './openai-errors.ts';
export { completePassthrough, streamPassthrough } from './passthrough-chat.ts';
