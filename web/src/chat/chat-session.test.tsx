import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createUIMessageStream, createUIMessageStreamResponse, type UIMessageChunk } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatSession } from './chat-session.tsx';

const citation = {
  index: 1,
  chunkId: 'd1:0',
  documentId: 'd1',
  source: 'leave.md',
  location: { headings: ['Leave'] },
  text: 'Employees get 25 vacation days a year.',
  knowledgeBase: 'handbook',
};

/** A response in the UI message stream protocol, encoded by the `ai` package itself. */
function streamResponse(chunks: UIMessageChunk[]): Response {
  const stream = createUIMessageStream({
    execute: ({ writer }) => {
      for (const chunk of chunks) writer.write(chunk as never);
    },
  });
  return createUIMessageStreamResponse({ stream });
}

function answer(text: string): UIMessageChunk[] {
  return [
    { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
    { type: 'data-citations', id: 'citations', data: { final: false, citations: [citation] } },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: text },
    { type: 'text-end', id: 't' },
    { type: 'data-citations', id: 'citations', data: { final: true, citations: [citation] } },
    {
      type: 'finish',
      messageMetadata: { conversationId: 'c1', status: 'complete', model: 'local:extractive' },
    },
  ];
}

function renderSession(overrides: Partial<Parameters<typeof ChatSession>[0]> = {}) {
  const onConversationStarted = vi.fn();
  const onTurnEnded = vi.fn();
  render(
    <ChatSession
      sessionId="s1"
      conversationId={null}
      initialMessages={[]}
      knowledgeBase="handbook"
      model={null}
      onConversationStarted={onConversationStarted}
      onTurnEnded={onTurnEnded}
      {...overrides}
    />,
  );
  return { onConversationStarted, onTurnEnded };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ChatSession', () => {
  it('sends the new message with the API key and renders the streamed Markdown answer with its sources', async () => {
    localStorage.setItem('godwit.apiKey', 'gw_test_key');
    const fetchMock = vi.fn(async () => streamResponse(answer('You get **25 days** [1].')));
    vi.stubGlobal('fetch', fetchMock);
    const { onConversationStarted } = renderSession();

    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'How many days?{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer' });
    await waitFor(() => expect(within(article).getByText('25 days').tagName).toBe('STRONG'));
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('');

    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/ui/chat');
    expect(new Headers(init.headers).get('authorization')).toBe('Bearer gw_test_key');
    const body = JSON.parse(String(init.body));
    expect(body).toMatchObject({ conversationId: null, knowledgeBase: 'handbook' });
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0].parts).toEqual([{ type: 'text', text: 'How many days?' }]);

    await userEvent.click(await within(article).findByRole('button', { name: 'Source 1' }));
    expect(screen.getByTestId('source-document')).toHaveTextContent('leave.md');
    expect(onConversationStarted).toHaveBeenCalledWith('c1');
  });

  it('keeps the text in the message box and says why when the server rejects the request', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          { error: { code: 'not_found', message: 'Knowledge base "gone" does not exist.' } },
          { status: 404 },
        ),
      ),
    );
    renderSession({ knowledgeBase: 'gone' });
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Anything?{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Knowledge base "gone" does not exist.');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('Anything?');
    expect(screen.queryByRole('article', { name: 'Your message' })).toBeNull();
  });

  it('says the server cannot be reached when the request does not get through', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    renderSession();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Hello?{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Godwit server');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('Hello?');
  });

  it('shows a failure that arrives mid-answer on the answer and offers Retry', async () => {
    const failing: UIMessageChunk[] = [
      { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Partial' },
      { type: 'text-end', id: 't' },
      {
        type: 'message-metadata',
        messageMetadata: {
          conversationId: 'c1',
          status: 'incomplete',
          error: { code: 'provider_error', message: 'The model service failed (HTTP 500).' },
        },
      },
      { type: 'error', errorText: 'The model service failed (HTTP 500).' },
    ];
    const fetchMock = vi
      .fn()
      .mockImplementationOnce(async () => streamResponse(failing))
      .mockImplementationOnce(async () => streamResponse(answer('Recovered answer.')));
    vi.stubGlobal('fetch', fetchMock);
    renderSession();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Try it{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer' });
    expect(await within(article).findByRole('alert')).toHaveTextContent(
      'The model service failed (HTTP 500).',
    );
    expect(within(article).getByText('Partial')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('Try it');

    await userEvent.click(within(article).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Recovered answer.')).toBeInTheDocument();
    const retried = JSON.parse(String((fetchMock.mock.calls[1] as unknown as [string, RequestInit])[1].body));
    expect(retried.messages[0].parts).toEqual([{ type: 'text', text: 'Try it' }]);
    expect(retried.conversationId).toBe('c1');
  });

  it('says on the answer that it is degraded when the server reports its sources were found by keyword only', async () => {
    const reason =
      'The embedding model bedrock:amazon.titan-embed-text-v2:0 is unavailable, so knowledge base "faq" was searched by keyword only.';
    const degraded: UIMessageChunk[] = [
      { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
      {
        type: 'message-metadata',
        messageMetadata: { conversationId: 'c1', status: 'streaming', degraded: { reason } },
      },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Employees get 25 days.' },
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: 'stop' },
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => streamResponse(degraded)),
    );
    renderSession();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Leave?{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer' });
    expect(await within(article).findByRole('status')).toHaveTextContent(`Degraded answer: ${reason}`);
    expect(within(article).getByText('Employees get 25 days.')).toBeInTheDocument();
    expect(within(article).queryByRole('alert')).toBeNull();
  });

  it('shows an answer cut off by a stopping server as interrupted, with what was said, and offers Retry', async () => {
    const stopped: UIMessageChunk[] = [
      { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Employees get' },
      { type: 'text-end', id: 't' },
      {
        type: 'message-metadata',
        messageMetadata: {
          conversationId: 'c1',
          status: 'interrupted',
          error: { code: 'server_stopping', message: 'The server is stopping; the answer was cut off.' },
        },
      },
      { type: 'error', errorText: 'The server is stopping; the answer was cut off.' },
    ];
    vi.stubGlobal(
      'fetch',
      vi
        .fn()
        .mockImplementationOnce(async () => streamResponse(stopped))
        .mockImplementationOnce(async () => streamResponse(answer('Employees get 25 days.'))),
    );
    renderSession();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Leave?{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer' });
    expect(await within(article).findByRole('alert')).toHaveTextContent(
      'Interrupted: The server is stopping; the answer was cut off.',
    );
    expect(within(article).getByText('Employees get')).toBeInTheDocument();
    await userEvent.click(within(article).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Employees get 25 days.')).toBeInTheDocument();
  });
});
