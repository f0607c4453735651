import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { navigate, parseRoute, useRoute } from './router.ts';

describe('parseRoute', () => {
  it.each([
    ['/', { page: 'chat', conversationId: null }],
    ['', { page: 'chat', conversationId: null }],
    ['/chat/abc', { page: 'chat', conversationId: 'abc' }],
    ['/chat/a%20b', { page: 'chat', conversationId: 'a b' }],
    ['/knowledge', { page: 'knowledge' }],
    ['/usage', { page: 'usage' }],
    ['/status', { page: 'status' }],
    ['/chat/', { page: 'not-found' }],
    ['/chat/a/b', { page: 'not-found' }],
    ['/knowledge/', { page: 'not-found' }],
    ['/settings', { page: 'not-found' }],
  ])('%s', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });
});

function CurrentRoute() {
  const route = useRoute();
  return <output>{JSON.stringify(route)}</output>;
}

describe('useRoute', () => {
  it('follows navigate, replace and the browser’s back button', () => {
    window.history.replaceState(null, '', '/');
    render(<CurrentRoute />);
    expect(screen.getByRole('status')).toHaveTextContent('"page":"chat"');

    act(() => navigate('/knowledge'));
    expect(window.location.pathname).toBe('/knowledge');
    expect(screen.getByRole('status')).toHaveTextContent('"page":"knowledge"');

    const length = window.history.length;
    act(() => navigate('/chat/c-1', { replace: true }));
    expect(window.history.length).toBe(length);
    expect(screen.getByRole('status')).toHaveTextContent('"conversationId":"c-1"');

    // The back button: the address changes first, then popstate.
    act(() => {
      window.history.replaceState(null, '', '/usage');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(screen.getByRole('status')).toHaveTextContent('"page":"usage"');
  });

  it('stops listening once unmounted', () => {
    window.history.replaceState(null, '', '/');
    const { unmount } = render(<CurrentRoute />);
    unmount();
    expect(() => act(() => navigate('/status'))).not.toThrow();
    expect(window.location.pathname).toBe('/status');
  });
});
