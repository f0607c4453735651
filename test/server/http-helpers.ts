/** Small request helpers for route tests that call `app.request()` in-process. */
import type { Hono } from 'hono';

type App = Pick<Hono, 'request'>;

export function postJson(app: App, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function sendJson(app: App, method: string, path: string, body: unknown) {
  return app.request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
}

export function parseEvents(text: string): ReceivedEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** Reads a server-sent event stream until an event of the given name has arrived. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  eventName: string,
): Promise<ReceivedEvent[]> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const events = text.endsWith('\n\n') ? parseEvents(text) : [];
    if (events.some((event) => event.event === eventName)) return events;
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before a "${eventName}" event: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
}

export function multipart(
  files: Array<{ name: string; content: string | Uint8Array; field?: string; type?: string }>,
) {
  const form = new FormData();
  for (const file of files) {
    const bytes =
      typeof file.content === 'string'
        ? new TextEncoder().encode(file.content)
        : new Uint8Array(file.content);
    form.append(file.field ?? 'file', new File([bytes], file.name, { type: file.type ?? '' }));
  }
  return form;
}

export function upload(app: App, knowledgeBase: string, form: FormData) {
  return app.request(`/api/knowledge-bases/${knowledgeBase}/documents`, { method: 'POST', body: form });
}

export async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const body = (await response.json()) as {
    error: { code: string; message: string; details?: Record<string, unknown> };
  };
  return body.error;
}
