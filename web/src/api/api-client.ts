/**
 * Calls to the Godwit API. Every call sends the saved API key as a Bearer token; a 401 asks the app to
 * show the sign-in screen. Errors carry the server's `{ error: { code, message } }`, or say plainly that
 * the server could not be reached.
 */
const KEY_STORAGE = 'godwit.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

export function getApiKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** Called whenever the server answers 401; returns the unsubscribe function. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export const UNREACHABLE_MESSAGE =
  'Cannot reach the Godwit server. Check that `godwit serve` is running, then try again.';

/** Turns a response body (or an error message holding one) into the server's error, if it is one. */
export function parseErrorBody(text: string): { code: string; message: string } | null {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (body.error && typeof body.error.message === 'string') {
      return {
        code: typeof body.error.code === 'string' ? body.error.code : 'error',
        message: body.error.message,
      };
    }
  } catch {
    // Not JSON: the caller shows the text itself.
  }
  return null;
}

/** A message a person can act on, from anything a call or a stream threw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const parsed = parseErrorBody(message);
  if (parsed) return parsed.message;
  if (error instanceof TypeError && /fetch|network|load failed/i.test(message)) return UNREACHABLE_MESSAGE;
  return message || 'Something went wrong.';
}

export function notifyUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

export async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const parsed = parseErrorBody(text);
  if (response.status === 401) notifyUnauthorized();
  return new ApiError(
    response.status,
    parsed?.code ?? `http_${response.status}`,
    parsed?.message ?? `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.'),
  );
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

/** fetch with the API key; throws ApiError for non-2xx answers and for an unreachable server. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...authHeaders(), ...headerRecord(init.headers) } });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', UNREACHABLE_MESSAGE);
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> =
    typeof init.body === 'string' ? { 'content-type': 'application/json' } : {};
  const response = await apiFetch(path, { ...init, headers: { ...headers, ...headerRecord(init.headers) } });
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
