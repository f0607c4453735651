/**
 * One HTTP(S) GET that connects only to addresses already checked: the socket's host lookup answers
 * with those addresses instead of asking DNS again. TLS still verifies the certificate against the URL's
 * host name. Environment proxies are not used.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './resolve-checked-addresses.ts';

export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (error: null, all: ResolvedAddress[]) => void)(null, [...addresses]);
      return;
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  };
}

export interface PinnedRequestOptions {
  addresses: readonly ResolvedAddress[];
  signal: AbortSignal;
  headers: Record<string, string>;
}

/** Sends the GET and resolves with the response head; the body is read by the caller. */
export function pinnedGet(url: URL, options: PinnedRequestOptions): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveResponse, reject) => {
    const request = send(url, {
      method: 'GET',
      headers: options.headers,
      lookup: pinnedLookup(options.addresses),
      signal: options.signal,
      // No keep-alive pool: a pooled socket could carry the request to an address checked for another URL.
      agent: false,
    });
    request.once('response', resolveResponse);
    request.once('error', reject);
    request.end();
  });
}

/** Reads a response body, stopping (and closing the connection) as soon as it passes `maxBytes`. */
export async function readCapped(
  response: IncomingMessage,
  maxBytes: number,
): Promise<{ bytes: Uint8Array } | { tooLarge: true }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      return { tooLarge: true };
    }
    chunks.push(chunk);
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks, total)) };
}
