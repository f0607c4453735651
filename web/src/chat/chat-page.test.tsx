import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Conversation, StoredMessage } from '../api/types.ts';
import { routeApiCalls, STOPPED_SERVER_URL, serverJson } from '../test-support/live-server.ts';
import { ChatPage } from './chat-page.tsx';

type Detail = Conversation & { messages: StoredMessage[] };

/** A conversation made through the API, as another tab or `godwit ask` would. */
async function startConversation(message: string): Promise<string> {
  const reply = await serverJson<{ conversationId: string }>('/api/chat', {
    method: 'POST',
    body: JSON.stringify({ message, knowledgeBase: 'handbook' }),
  });
  return reply.conversationId;
}

function conversationList() {
  return within(screen.getByRole('navigation', { name: 'Conversations' }));
}

describe('ChatPage against the server', () => {
  routeApiCalls();

  it('asks the handbook, stores the turn, and lists the new conversation with its sources', async () => {
    window.history.replaceState(null, '', '/');
    render(<ChatPage conversationId={null} />);
    // The sample's knowledge base is picked once the list has loaded.
    await waitFor(() => expect(screen.getByLabelText('Knowledge base')).toHaveValue('handbook'));
    const question = 'How many vacation days do new employees get?';
    await userEvent.type(screen.getByLabelText('Message'), question);
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));

    const answer = await screen.findByRole('article', { name: 'Answer' });
    await waitFor(() => expect(answer).toHaveAttribute('aria-busy', 'false'), { timeout: 30_000 });
    // The address names the stored conversation, and the server holds both messages.
    const id = decodeURIComponent(window.location.pathname.replace('/chat/', ''));
    const stored = await serverJson<Detail>(`/api/conversations/${encodeURIComponent(id)}`);
    expect(stored.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored.messages[0]?.content).toBe(question);
    expect(stored.messages[1]?.status).toBe('complete');
    const cited = stored.messages[1]?.citations ?? [];
    expect(cited.length, JSON.stringify(stored)).toBeGreaterThan(0);
    // Each cited passage is a chip; a chip opens the passage it stands for.
    await userEvent.click(screen.getByRole('button', { name: 'Source 1' }));
    const panel = screen.getByRole('complementary');
    expect(panel).toHaveTextContent(cited[0]?.source ?? '');
    await userEvent.click(within(panel).getByRole('button', { name: 'Close source' }));
    expect(screen.queryByRole('complementary')).toBeNull();
    await waitFor(() =>
      expect(conversationList().getByRole('button', { current: 'page' })).toBeInTheDocument(),
    );
  });

  it('opens a stored conversation from the address, with its answer and sources', async () => {
    const id = await startConversation('What is the password policy?');
    const stored = await serverJson<Detail>(`/api/conversations/${encodeURIComponent(id)}`);
    render(<ChatPage conversationId={id} />);
    const answer = await screen.findByRole('article', { name: 'Answer' });
    expect(answer).toHaveTextContent(stored.messages[1]?.content.slice(0, 40) ?? '');
    expect(screen.getByRole('article', { name: 'Your message' })).toHaveTextContent(
      'What is the password policy?',
    );
    // The picker shows the conversation's base once the list of bases (its options) has loaded.
    await waitFor(() => expect(screen.getByLabelText('Knowledge base')).toHaveValue('handbook'));
  });

  it('says so when the address names a conversation that does not exist', async () => {
    render(<ChatPage conversationId="no-such-conversation" />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/not found|does not exist|no conversation/i);
  });

  it('searches, renames and deletes conversations on the server', async () => {
    const marker = crypto.randomUUID().slice(0, 8);
    const keep = await startConversation(`Expenses ${marker}: how do I claim travel?`);
    const drop = await startConversation(`Remote ${marker}: can I work from home?`);
    render(<ChatPage conversationId={null} />);

    await userEvent.type(screen.getByLabelText('Search conversations'), marker);
    await waitFor(() => expect(conversationList().getAllByRole('listitem')).toHaveLength(2));

    const keepTitle = (await serverJson<Conversation>(`/api/conversations/${keep}`)).title;
    await userEvent.click(conversationList().getByRole('button', { name: `Rename “${keepTitle}”` }));
    const field = conversationList().getByLabelText('New title');
    await userEvent.clear(field);
    await userEvent.type(field, `Travel claims ${marker}{Enter}`);
    await waitFor(async () =>
      expect((await serverJson<Conversation>(`/api/conversations/${keep}`)).title).toBe(
        `Travel claims ${marker}`,
      ),
    );
    expect(
      await conversationList().findByRole('button', { name: `Travel claims ${marker}` }),
    ).toBeInTheDocument();

    const dropTitle = (await serverJson<Conversation>(`/api/conversations/${drop}`)).title;
    await userEvent.click(conversationList().getByRole('button', { name: `Delete “${dropTitle}”` }));
    // Nothing is deleted until the user confirms; Cancel keeps it.
    await userEvent.click(conversationList().getByRole('button', { name: 'Cancel' }));
    await userEvent.click(conversationList().getByRole('button', { name: `Delete “${dropTitle}”` }));
    await userEvent.click(conversationList().getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(conversationList().getAllByRole('listitem')).toHaveLength(1));
    const remaining = await serverJson<{ conversations: Conversation[] }>(`/api/conversations?q=${marker}`);
    expect(remaining.conversations.map((conversation) => conversation.id)).toEqual([keep]);

    await userEvent.clear(screen.getByLabelText('Search conversations'));
    await userEvent.type(screen.getByLabelText('Search conversations'), `nothing-${marker}-matches`);
    expect(await conversationList().findByText('No conversation matches.')).toBeInTheDocument();
  });

  it('keeps the old title when a rename is left with Escape', async () => {
    const marker = crypto.randomUUID().slice(0, 8);
    const id = await startConversation(`Holidays ${marker}: which days are off?`);
    const title = (await serverJson<Conversation>(`/api/conversations/${id}`)).title;
    render(<ChatPage conversationId={null} />);
    await userEvent.type(screen.getByLabelText('Search conversations'), marker);
    await userEvent.click(await conversationList().findByRole('button', { name: `Rename “${title}”` }));
    await userEvent.type(conversationList().getByLabelText('New title'), ' changed{Escape}');
    expect(conversationList().getByRole('button', { name: title })).toBeInTheDocument();
    expect((await serverJson<Conversation>(`/api/conversations/${id}`)).title).toBe(title);
  });
});

describe('ChatPage when the server is stopped', () => {
  routeApiCalls(() => STOPPED_SERVER_URL);

  it('says the conversations cannot be loaded and still offers plain chat', async () => {
    render(<ChatPage conversationId={null} />);
    expect(await conversationList().findByRole('alert')).toHaveTextContent('Cannot reach the Godwit server');
    await waitFor(() => expect(screen.getByLabelText('Knowledge base')).toHaveValue(''));
  });
});
