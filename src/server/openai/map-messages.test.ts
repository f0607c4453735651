import { describe, expect, it } from 'vitest';
import { lastUserText, toModelMessages } from './map-messages.ts';

describe('OpenAI messages as AI SDK messages', () => {
  it('keeps system messages in place and pairs tool results with the call that named the tool', () => {
    const messages = toModelMessages([
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Snow' },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_1',
            toolName: 'get_weather',
            output: { type: 'text', value: 'Snow' },
          },
        ],
      },
    ]);
  });

  it('only checks image URLs when the messages are not given to a model here', () => {
    const [message] = toModelMessages([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
    ]);
    expect(message).toEqual({
      role: 'user',
      content: [{ type: 'image', image: new URL('https://example.com/cat.png') }],
    });
  });

  it('gives the model the fetched bytes of an image URL, never the URL', () => {
    const url = 'https://example.com/cat.png';
    const bytes = new Uint8Array([1, 2, 3]);
    const [message] = toModelMessages(
      [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
      new Map([[url, { bytes, mediaType: 'image/png' }]]),
    );
    expect(message).toEqual({
      role: 'user',
      content: [{ type: 'file', data: bytes, mediaType: 'image/png' }],
    });
    expect(() =>
      toModelMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }], new Map()),
    ).toThrow('messages[0].content[0].image_url.url: the image was not fetched');
  });

  it('names the field of tool call arguments that are not JSON', () => {
    expect(() =>
      toModelMessages([
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
        },
      ]),
    ).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({ field: 'messages[0].tool_calls[0].function.arguments' }),
      }),
    );
  });

  it('finds the last user message for a kb: assistant, and says when there is none', () => {
    expect(
      lastUserText([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
      ]),
    ).toBe('second');
    expect(() => lastUserText([{ role: 'system', content: 'Be brief.' }])).toThrow(/no|none/);
  });
});
