import { describe, expect, it } from 'vitest';
import { readActionGroupResponse } from './action-group-event.ts';

function answer(httpStatusCode: number, body: unknown, type = 'application/json') {
  return {
    messageVersion: '1.0',
    response: {
      actionGroup: 'pf360',
      apiPath: '/book',
      httpMethod: 'POST',
      httpStatusCode,
      responseBody: { [type]: { body } },
    },
  };
}

describe('readActionGroupResponse', () => {
  it('returns the parsed body of a success', () => {
    expect(readActionGroupResponse('pf360__book', answer(200, '{"booked":true}'))).toEqual({ booked: true });
    expect(readActionGroupResponse('pf360__book', answer(200, 'plain words', 'TEXT'))).toBe('plain words');
  });

  it.each([
    ['a JSON message', '{"message":"title is empty."}', 'title is empty.'],
    ['a JSON error string', '{"error":"slot 9:00 is taken"}', 'slot 9:00 is taken'],
    ['a nested error message', '{"error":{"code":"E1","message":"room unknown"}}', 'room unknown'],
    ['plain text', '  The date is in the past.  ', 'The date is in the past.'],
    ['an object body', { message: 'too many guests' }, 'too many guests'],
    ['an object without a message', { code: 7 }, '{"code":7}'],
  ])('gives the model the function’s reason for an error answer: %s', (_, body, reason) => {
    expect(() => readActionGroupResponse('pf360__book', answer(400, body))).toThrow(
      `Tool "pf360__book": the function answered with status 400: ${reason}`,
    );
  });

  it('says only the status when the error answer has no body, and cuts a long one', () => {
    expect(() => readActionGroupResponse('pf360__book', answer(503, undefined))).toThrow(
      /^Tool "pf360__book": the function answered with status 503\.$/,
    );
    expect(() => readActionGroupResponse('pf360__book', answer(500, 'x'.repeat(2000)))).toThrow(
      /status 500: x{500}…$/,
    );
  });

  it('refuses an answer that is not an action-group response', () => {
    expect(() => readActionGroupResponse('pf360__book', { statusCode: 200 })).toThrow(
      /not an action-group response/,
    );
  });
});
