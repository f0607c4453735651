/**
 * A parsing worker thread: runs the DocumentParser on the files the pool sends it, so parsing and chunking
 * a large upload never holds up the server's event loop. One message in, one message out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDocumentParser, type DocumentParserOptions } from './document-parser.ts';
import { serializeParseError } from './parse-errors.ts';
import type { ParseReply, ParseRequest } from './parse-messages.ts';

const parser = createDocumentParser(workerData as DocumentParserOptions);

parentPort!.on('message', async (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id: request.id, document: await parser.parse(request.input) };
  } catch (error) {
    reply = { id: request.id, error: serializeParseError(error) };
  }
  parentPort!.postMessage(reply);
});
