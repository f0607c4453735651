/**
 * A parsing worker thread: runs the DocumentParser on the files the pool sends it, so parsing and chunking
 * a large upload never holds up the server's event loop. One message in; out, the chunks in parts, then
 * the document (parse-messages.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ParsedDocument } from '../core/ports.ts';
import { createDocumentParser, type DocumentParserOptions } from './document-parser.ts';
import { serializeParseError } from './parse-errors.ts';
import { type NextPartRequest, type ParseReply, type ParseRequest, REPLY_CHUNKS } from './parse-messages.ts';

const parser = createDocumentParser(workerData as DocumentParserOptions);

/** Parsed documents whose chunks are still being sent, by request id. */
const sending = new Map<number, { document: ParsedDocument; sent: number }>();

function sendPart(id: number): void {
  const entry = sending.get(id);
  if (!entry) return;
  const { document, sent } = entry;
  if (document.chunks.length - sent > REPLY_CHUNKS) {
    entry.sent = sent + REPLY_CHUNKS;
    const chunks = document.chunks.slice(sent, entry.sent);
    parentPort!.postMessage({ id, chunks } satisfies ParseReply);
    return;
  }
  sending.delete(id);
  parentPort!.postMessage({
    id,
    document: { ...document, chunks: document.chunks.slice(sent) },
  } satisfies ParseReply);
}

parentPort!.on('message', async (request: ParseRequest | NextPartRequest) => {
  if ('next' in request) {
    sendPart(request.id);
    return;
  }
  try {
    sending.set(request.id, { document: await parser.parse(request.input), sent: 0 });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: serializeParseError(error) } satisfies ParseReply);
    return;
  }
  sendPart(request.id);
});
