/** Forwarding Chat Completions requests as they are to providers that speak that API. */
export {
  type ChatCompletionsEndpoint,
  type ChatCompletionsForwarderOptions,
  createChatCompletionsForwarder,
} from './chat-completions-forwarder.ts';
export { readBody } from './upstream-request.ts';
