import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  createUIMessageStream,
  createUIMessageStreamResponse,
  type DynamicToolUIPart,
  type UIMessageChunk,
} from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatSession } from './chat-session.tsx';
import { toolPart } from './chat-types.ts';
import { ToolCallCard } from './tool-call-card.tsx';

function streamResponse(chunks: UIMessageChunk[]): Response {
  const stream = createUIMessageStream({
    execute: ({ writer }) => {
      for (const chunk of chunks) writer.write(chunk as never);
    },
  });
  return createUIMessageStreamResponse({ stream });
}

const BOOK_INPUT = { body: { providerId: 'dr-lee', start: '09:00' } };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ToolCallCard', () => {
  it('shows the name, state, input and result as text, never as HTML', () => {
    const part: DynamicToolUIPart = {
      type: 'dynamic-tool',
      toolName: 'lookup',
      toolCallId: 'c1',
      state: 'output-available',
      input: { q: 'x' },
      output: '<img src=x onerror="alert(1)">',
    };
    const { container } = render(<ToolCallCard part={part} />);
    expect(screen.getByText('lookup')).toBeInTheDocument();
    expect(screen.getByText('Done')).toBeInTheDocument();
    expect(screen.getByText('<img src=x onerror="alert(1)">')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
  });

  it('shows a failed call with its error', () => {
    render(
      <ToolCallCard
        part={{
          type: 'dynamic-tool',
          toolName: 'lookup',
          toolCallId: 'c1',
          state: 'output-error',
          input: {},
          errorText: 'Tool "lookup" failed: offline',
        }}
      />,
    );
    expect(screen.getByText('Failed')).toBeInTheDocument();
    expect(screen.getByText('Tool "lookup" failed: offline')).toBeInTheDocument();
  });

  it('maps stored calls to the parts useChat streams, a waiting one with its approval id', () => {
    expect(
      toolPart({
        toolCallId: 'c1',
        toolName: 'book',
        input: BOOK_INPUT,
        state: 'awaiting-approval',
        approval: { id: 'ap1', state: 'requested' },
      }),
    ).toEqual({
      type: 'dynamic-tool',
      toolName: 'book',
      toolCallId: 'c1',
      input: BOOK_INPUT,
      state: 'approval-requested',
      approval: { id: 'ap1' },
    });
    expect(
      toolPart({
        toolCallId: 'c2',
        toolName: 'book',
        input: {},
        state: 'denied',
        approval: { id: 'ap2', state: 'denied' },
      }),
    ).toMatchObject({
      state: 'output-denied',
      approval: { id: 'ap2', approved: false },
    });
  });
});

describe('approving a tool call in the chat', () => {
  it('shows the approval prompt with the input, then sends the decision and shows the continued answer', async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(
        streamResponse([
          { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
          {
            type: 'tool-input-available',
            toolCallId: 'call1',
            toolName: 'scheduling__createAppointment',
            input: BOOK_INPUT,
            dynamic: true,
          },
          { type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'call1' },
          { type: 'finish', messageMetadata: { conversationId: 'c1', status: 'complete' } },
        ]),
      )
      .mockResolvedValueOnce(
        streamResponse([
          { type: 'start', messageId: 'a1', messageMetadata: { conversationId: 'c1', status: 'streaming' } },
          { type: 'tool-output-available', toolCallId: 'call1', output: { booked: true }, dynamic: true },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'Booked for 09:00.' },
          { type: 'text-end', id: 't' },
          { type: 'finish', messageMetadata: { conversationId: 'c1', status: 'complete' } },
        ]),
      );
    vi.stubGlobal('fetch', fetchMock);
    render(
      <ChatSession
        sessionId="s1"
        conversationId={null}
        initialMessages={[]}
        knowledgeBase={null}
        model="assistant:scheduler"
        onConversationStarted={() => {}}
        onTurnEnded={() => {}}
      />,
    );
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'Book me at 9{Enter}');
    const prompt = await screen.findByRole('group', { name: 'Approve scheduling__createAppointment?' });
    const card = screen.getByRole('region', { name: 'Tool call scheduling__createAppointment' });
    expect(within(card).getByText('Waiting for your approval')).toBeInTheDocument();
    expect(within(card).getByText(/"providerId": "dr-lee"/)).toBeInTheDocument();
    const first = JSON.parse(String((fetchMock.mock.calls[0] as [string, RequestInit])[1].body));
    expect(first).toMatchObject({ assistant: 'scheduler' });
    expect(first.model).toBeUndefined();

    await userEvent.click(within(prompt).getByRole('button', { name: 'Approve' }));
    await screen.findByText('Booked for 09:00.');
    expect(within(card).getByText('Done')).toBeInTheDocument();
    const second = JSON.parse(String((fetchMock.mock.calls[1] as [string, RequestInit])[1].body));
    expect(second).toMatchObject({ conversationId: 'c1', assistant: 'scheduler' });
    expect(second.messages).toHaveLength(1);
    expect(second.messages[0]).toMatchObject({
      role: 'assistant',
      parts: [
        expect.objectContaining({ state: 'approval-responded', approval: { id: 'ap1', approved: true } }),
      ],
    });
  });
});
