import { useEffect, useState } from 'react';

/** The app's pages; `/chat/:id` opens a conversation. */
export type Route =
  | { page: 'chat'; conversationId: string | null }
  | { page: 'knowledge' }
  | { page: 'usage' }
  | { page: 'status' }
  | { page: 'not-found' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'chat', conversationId: null };
  const chat = /^\/chat\/([^/]+)$/.exec(pathname);
  if (chat?.[1]) return { page: 'chat', conversationId: decodeURIComponent(chat[1]) };
  if (pathname === '/knowledge') return { page: 'knowledge' };
  if (pathname === '/usage') return { page: 'usage' };
  if (pathname === '/status') return { page: 'status' };
  return { page: 'not-found' };
}

const listeners = new Set<() => void>();

/** Goes to a path; `replace` rewrites the current history entry (a new chat getting its id). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
