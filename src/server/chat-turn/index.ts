/**
 * The chat turn on the wire: map a request once (`turnRequest`), start it (`ChatService.start`), and stream
 * it in a surface's format (`turnStream` with an encoder). A new surface (a chat channel) writes an encoder
 * or reads the `ChatTurn` directly; the turn is stored however the surface stops reading.
 */
export type { ChatOutcome, ChatTurn } from '../../core/chat/chat-turn.ts';
export {
  formatServerSentEvent,
  SERVER_SENT_EVENT_HEADERS,
  ServerSentEventEncoder,
} from './server-sent-event-encoder.ts';
export { resumeRequest, type TurnFields, turnRequest } from './turn-request.ts';
export {
  type EncodedChunk,
  publicFailure,
  type TurnEncoder,
  type TurnStreamOptions,
  turnStream,
} from './turn-stream.ts';
export {
  UI_MESSAGE_STREAM_HEADERS,
  type UIChatMessage,
  type UIChatMetadata,
  UIMessageEncoder,
} from './ui-message-encoder.ts';
