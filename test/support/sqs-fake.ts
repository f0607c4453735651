/**
 * A loopback stand-in for Amazon SQS's SendMessage (the JSON protocol the AWS SDK v3 speaks), recording the
 * messages so a test can hand them to the worker as an SQS event. The SDK checks the body's MD5, so the
 * answer carries the real one.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsFake {
  /** A queue URL on this server; the SDK sends to the queue URL's host. */
  queueUrl: string;
  messages: Array<{ messageId: string; body: string }>;
  close(): Promise<void>;
}

export async function startSqsFake(): Promise<SqsFake> {
  const messages: SqsFake['messages'] = [];
  const server: Server = createServer(async (request, response) => {
    const target = request.headers['x-amz-target'];
    const input = JSON.parse(await readBody(request)) as { MessageBody?: string };
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    if (target !== 'AmazonSQS.SendMessage' || typeof input.MessageBody !== 'string') {
      response.statusCode = 400;
      response.end(
        JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: `${target} is not faked` }),
      );
      return;
    }
    const messageId = `message-${messages.length + 1}`;
    messages.push({ messageId, body: input.MessageBody });
    response.end(
      JSON.stringify({
        MessageId: messageId,
        MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex'),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    queueUrl: `${url}/123456789012/godwit-ingest`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
