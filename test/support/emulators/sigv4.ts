/**
 * Checks that a request carries a well-formed AWS Signature Version 4 Authorization header. The signature
 * itself is not recomputed (the emulator does not know the secret); its shape, scope and dates are.
 */
import type { IncomingHttpHeaders } from 'node:http';

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{4,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** What is wrong with the SigV4 headers, or undefined when they are well formed for `service`. */
export function describeSigV4Problem(headers: IncomingHttpHeaders, service: string): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization !== 'string' || authorization === '') return 'Missing Authentication Token';
  const parts = AUTHORIZATION.exec(authorization);
  if (!parts) return 'Authorization header is not a well-formed AWS4-HMAC-SHA256 signature';
  const [, , date, , signedService, signedHeaders] = parts;
  if (signedService !== service) return `Credential should be scoped to correct service: '${service}'.`;
  const amazonDate = headers['x-amz-date'];
  if (typeof amazonDate !== 'string' || !/^\d{8}T\d{6}Z$/.test(amazonDate))
    return 'Missing or malformed X-Amz-Date header';
  if (!amazonDate.startsWith(date!)) return 'Credential date does not match X-Amz-Date';
  const signed = signedHeaders!.split(';');
  const sorted = [...signed].sort();
  if (signed.join(';') !== sorted.join(';')) return 'SignedHeaders must be sorted';
  for (const required of ['host', 'x-amz-date']) {
    if (!signed.includes(required)) return `SignedHeaders must include ${required}`;
  }
  for (const name of signed) {
    if (headers[name] === undefined) return `Signed header ${name} is not present in the request`;
  }
  return undefined;
}
