/**
 * Runs one Lambda function's bundle the way the AWS Lambda Node.js runtime does, in its own process:
 * defines the `awslambda` global (streamifyResponse, HttpResponseStream.from with its JSON prelude and
 * eight NUL bytes), imports the handler module from the code directory, and invokes the exported handler
 * once per event received over IPC. Plain JavaScript with only node: imports, so nothing of the test
 * runner's module graph reaches the function.
 *
 * node lambda-host.mjs <code directory> <handler, e.g. index.streamHandler>
 */

import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const [codeDirectory, handlerName] = process.argv.slice(2);
const [moduleName, exportName] = handlerName.split('.');
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream: {
    from(stream, metadata) {
      stream.write(JSON.stringify(metadata));
      stream.write(new Uint8Array(8));
      return stream;
    },
  },
};

const loadStarted = performance.now();
let firstResponseMs = null;
const module = await import(pathToFileURL(join(codeDirectory, `${moduleName}.mjs`)).href);
const handler = module[exportName];
const loadMs = performance.now() - loadStarted;
if (typeof handler !== 'function') {
  process.send({ type: 'fatal', error: `${handlerName} is not a function in ${codeDirectory}` });
  process.exit(1);
}
process.send({ type: 'ready', loadMs });

let invocation = 0;
process.on('message', async (message) => {
  invocation += 1;
  const invoked = performance.now();
  const context = {
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    getRemainingTimeInMillis: () => 60_000,
  };
  try {
    let reply;
    if (handler[STREAMING]) {
      const chunks = [];
      const stream = new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(Buffer.from(chunk));
          callback();
        },
      });
      const finished = new Promise((resolve) => stream.on('finish', resolve));
      await handler(message.event, stream, context);
      await finished;
      reply = { streamed: Buffer.concat(chunks).toString('base64') };
    } else {
      reply = { result: await handler(message.event, context) };
    }
    // Cold init as Lambda bills it: the import, then the first invocation (not the idle time between).
    firstResponseMs ??= loadMs + (performance.now() - invoked);
    process.send({ id: message.id, ...reply, firstResponseMs });
  } catch (error) {
    firstResponseMs ??= loadMs + (performance.now() - invoked);
    process.send({
      id: message.id,
      error: error instanceof Error ? error.message : String(error),
      firstResponseMs,
    });
  }
});
