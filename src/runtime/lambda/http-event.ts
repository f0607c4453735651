/**
 * What an HTTP entry point accepts before the app sees a request: an API Gateway (payload 1.0 or 2.0) or
 * Function URL event, with a body that decodes. Anything else (a `null` test invocation, a scheduled
 * event, a hand-written event without `requestContext`) is refused with a reason instead of being served
 * as a request for `/`.
 */

export interface InvalidEvent {
  status: 400;
  code: 'invalid_event' | 'invalid_body';
  message: string;
}

/** Characters atob accepts (ASCII whitespace is skipped), padding only at the end. */
const BASE64 = /^[A-Za-z0-9+/\t\n\f\r ]*(?:=[\t\n\f\r ]*){0,2}$/;

/**
 * Null when the event is a request the app can serve, else why not.
 *
 * @example
 * checkHttpEvent(null) // → { status: 400, code: 'invalid_event', message: 'The invocation event is null…' }
 */
export function checkHttpEvent(
  event: unknown,
  accepts: 'api-gateway-or-url' | 'function-url' = 'api-gateway-or-url',
): InvalidEvent | null {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return invalidEvent(`The invocation event is ${event === null ? 'null' : typeof event}`);
  }
  const fields = event as Record<string, unknown>;
  const context = fields.requestContext;
  if (context === null || typeof context !== 'object') {
    return invalidEvent('The invocation event has no requestContext');
  }
  if (accepts === 'function-url' && typeof fields.rawPath !== 'string') {
    return invalidEvent('The invocation event has no rawPath (Function URL payload 2.0)');
  }
  if (typeof fields.rawPath !== 'string' && typeof fields.path !== 'string') {
    return invalidEvent('The invocation event has neither rawPath (payload 2.0) nor path (payload 1.0)');
  }
  if (fields.isBase64Encoded === true && typeof fields.body === 'string' && !isBase64(fields.body)) {
    return {
      status: 400,
      code: 'invalid_body',
      message:
        'The request body is marked isBase64Encoded but is not valid base64; send the body as the client wrote it.',
    };
  }
  return null;
}

function isBase64(text: string): boolean {
  if (!BASE64.test(text)) return false;
  return text.replace(/[\t\n\f\r ]/g, '').length % 4 !== 1;
}

function invalidEvent(what: string): InvalidEvent {
  return {
    status: 400,
    code: 'invalid_event',
    message: `${what}. This function serves HTTP requests from API Gateway (payload 1.0 or 2.0) or a Function URL.`,
  };
}

/** The JSON error body every entry point answers with. */
export function errorBody(problem: { code: string; message: string }): string {
  return JSON.stringify({ error: { code: problem.code, message: problem.message } });
}
