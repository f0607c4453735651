/**
 * Component tests against the real server: the app calls relative URLs (`/api/…`), as it does when
 * `godwit serve` hosts it; these helpers send those calls — fetch and XMLHttpRequest alike — to the
 * `godwit serve` that the test run started (test/support/web-live-server.ts). Nothing answers in its place.
 */
import { afterEach, beforeEach, inject, vi } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    godwitUrl: string;
  }
}

/** A loopback port nothing listens on: calls to it fail as calls to a stopped server do. */
export const STOPPED_SERVER_URL = 'http://127.0.0.1:9';

/** The running server's URL (`http://127.0.0.1:PORT`). */
export function liveServerUrl(): string {
  return inject('godwitUrl');
}

/** Routes the app's relative calls to `base` (default: the running server) for every test of the suite. */
export function routeApiCalls(base: () => string = liveServerUrl): void {
  beforeEach(() => {
    const realFetch = globalThis.fetch;
    const absolute = (url: string | URL) => new URL(String(url), base()).toString();
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      input instanceof Request
        ? realFetch(new Request(absolute(input.url), input), init)
        : realFetch(absolute(input), init),
    );
    const RealXhr = window.XMLHttpRequest;
    class RoutedXhr extends RealXhr {
      override open(
        method: string,
        url: string | URL,
        async = true,
        user?: string | null,
        password?: string | null,
      ) {
        super.open(method, absolute(url), async, user, password);
      }
    }
    vi.stubGlobal('XMLHttpRequest', RoutedXhr);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
}

/** A call straight to the running server (to set up or check what a test clicked). */
export async function serverJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(new URL(path, liveServerUrl()), {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}
