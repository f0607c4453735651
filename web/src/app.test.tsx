import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './app.tsx';

const unauthorized = () =>
  Response.json({ error: { code: 'unauthorized', message: 'An API key is required.' } }, { status: 401 });

function authServer(validKey: string) {
  return vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    const authorization = new Headers(init?.headers).get('authorization');
    if (authorization !== `Bearer ${validKey}`) return unauthorized();
    const url = String(_input);
    if (url.startsWith('/api/conversations')) return Response.json({ conversations: [], nextCursor: null });
    if (url.startsWith('/api/knowledge-bases')) return Response.json({ knowledgeBases: [] });
    if (url.startsWith('/readyz')) return Response.json({ provider: { availableModels: [] } });
    return Response.json({});
  });
}

beforeEach(() => {
  window.history.replaceState(null, '', '/');
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('App sign-in', () => {
  it('asks for an API key on 401, keeps it, sends it as Bearer, and signs out', async () => {
    const fetchMock = authServer('gw_good');
    vi.stubGlobal('fetch', fetchMock);
    render(<App />);
    const keyField = await screen.findByLabelText('API key');

    await userEvent.type(keyField, 'gw_wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('was not accepted');
    expect(localStorage.getItem('godwit.apiKey')).toBeNull();

    await userEvent.clear(keyField);
    await userEvent.type(keyField, 'gw_good');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('textbox', { name: 'Message' })).toBeInTheDocument();
    expect(localStorage.getItem('godwit.apiKey')).toBe('gw_good');
    const apiCalls = (fetchMock.mock.calls as unknown as Array<[string, RequestInit | undefined]>).filter(
      ([url]) => String(url).startsWith('/api/'),
    );
    expect(new Headers(apiCalls.at(-1)?.[1]?.headers).get('authorization')).toBe('Bearer gw_good');

    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(localStorage.getItem('godwit.apiKey')).toBeNull();
    expect(await screen.findByLabelText('API key')).toBeInTheDocument();
  });

  it('goes straight to chat when the server needs no key, with pages in the main navigation', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url.startsWith('/api/conversations'))
          return Response.json({ conversations: [], nextCursor: null });
        if (url.startsWith('/api/knowledge-bases')) return Response.json({ knowledgeBases: [] });
        return Response.json({ provider: { availableModels: ['local:extractive', 'ollama:*'] } });
      }),
    );
    render(<App />);
    expect(await screen.findByRole('textbox', { name: 'Message' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect([...nav.querySelectorAll('a')].map((link) => link.textContent)).toEqual([
      'Chat',
      'Knowledge',
      'Usage',
      'Status',
    ]);
    expect(await screen.findByRole('option', { name: 'local:extractive' })).toBeInTheDocument();
    expect(screen.queryByRole('option', { name: 'ollama:*' })).toBeNull();
  });

  it('switches between light and dark themes and remembers the choice', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json({ conversations: [], knowledgeBases: [], provider: { availableModels: [] } }),
      ),
    );
    render(<App />);
    await userEvent.click(screen.getByRole('button', { name: 'Use dark theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('godwit.theme')).toBe('dark');
    await userEvent.click(screen.getByRole('button', { name: 'Use light theme' }));
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('keeps the message when the server asks for a key mid-chat, and sends it with the key', async () => {
    const fetchMock = authServer('gw_good');
    vi.stubGlobal('fetch', fetchMock);
    localStorage.setItem('godwit.apiKey', 'gw_expired');
    render(<App />);
    // The expired key is refused on the first calls: the app asks for a new one.
    const keyField = await screen.findByLabelText('API key');
    await userEvent.type(keyField, 'gw_good');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const box = await screen.findByRole('textbox', { name: 'Message' });

    localStorage.setItem('godwit.apiKey', 'gw_revoked');
    await userEvent.type(box, 'Keep this question{Enter}');
    await userEvent.type(await screen.findByLabelText('API key'), 'gw_good');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('textbox', { name: 'Message' })).toHaveValue('Keep this question');
  });
});
