/**
 * Steady load through a fault: chats and uploads at a fixed rate, each classified as it ends: succeeded,
 * a clean error (a JSON error body; a 503 with Retry-After), refused (no connection was accepted),
 * unclean (a reset mid-request, an error that is not JSON, an internal error) or hung (no answer
 * within the bound).
 */
import { randomBytes } from 'node:crypto';

export type OutcomeKind = 'succeeded' | 'clean' | 'refused' | 'unclean' | 'hung';

export interface Outcome {
  operation: 'chat' | 'upload';
  kind: OutcomeKind;
  status?: number;
  code?: string;
  startedAt: number;
  milliseconds: number;
  /** What the server acknowledged (2xx): the stored answer's id, or the uploaded source. */
  acknowledged?: { messageId: string } | { source: string };
  detail?: string;
}

export interface LoadOptions {
  baseUrl: string;
  knowledgeBase: string;
  /** Requests started per second (chats and uploads alternate). */
  ratePerSecond: number;
  /** A request without an answer after this long counts as hung (and is abandoned). */
  hangAfterMs: number;
}

export class SteadyLoad {
  private readonly running = new Set<Promise<void>>();
  private readonly outcomes: Outcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), Math.round(1000 / this.options.ratePerSecond));
  }

  /** Stops starting requests and waits for every one in flight (each bounded by hangAfterMs). */
  async stop(): Promise<Outcome[]> {
    clearInterval(this.timer);
    await Promise.all([...this.running]);
    return this.outcomes;
  }

  /** One request now, outside the steady rate (recovery probes). */
  async once(operation: 'chat' | 'upload' = 'chat'): Promise<Outcome> {
    const outcome = await this.request(operation);
    this.outcomes.push(outcome);
    return outcome;
  }

  private fire(): void {
    this.sequence += 1;
    const operation = this.sequence % 2 === 0 ? 'upload' : 'chat';
    const pending: Promise<void> = this.request(operation).then((outcome) => {
      this.outcomes.push(outcome);
      this.running.delete(pending);
    });
    this.running.add(pending);
  }

  private async request(operation: 'chat' | 'upload'): Promise<Outcome> {
    const startedAt = Date.now();
    const tag = `${operation}-${randomBytes(6).toString('hex')}`;
    const signal = AbortSignal.timeout(this.options.hangAfterMs);
    try {
      const response = operation === 'chat' ? await this.chat(tag, signal) : await this.upload(tag, signal);
      const outcome = await classify(response, operation, tag);
      return { ...outcome, operation, startedAt, milliseconds: Date.now() - startedAt };
    } catch (error) {
      return { operation, startedAt, milliseconds: Date.now() - startedAt, ...classifyFailure(error) };
    }
  }

  private chat(tag: string, signal: AbortSignal): Promise<Response> {
    return fetch(`${this.options.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: `How many vacation days are there? (${tag})`,
        knowledgeBase: this.options.knowledgeBase,
      }),
      signal,
    });
  }

  private upload(tag: string, signal: AbortSignal): Promise<Response> {
    const form = new FormData();
    const text = `# Note ${tag}\n\nEmployees get 25 vacation days a year. Reference ${tag}.\n`;
    form.append('file', new File([text], `${tag}.md`, { type: 'text/markdown' }));
    return fetch(`${this.options.baseUrl}/api/knowledge-bases/${this.options.knowledgeBase}/documents`, {
      method: 'POST',
      body: form,
      signal,
    });
  }
}

async function classify(
  response: Response,
  operation: 'chat' | 'upload',
  tag: string,
): Promise<Pick<Outcome, 'kind' | 'status' | 'code' | 'acknowledged' | 'detail'>> {
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'unclean', status: response.status, detail: `not JSON: ${text.slice(0, 120)}` };
  }
  if (response.ok) {
    if (operation === 'upload')
      return { kind: 'succeeded', status: response.status, acknowledged: { source: `${tag}.md` } };
    const message = body.message as { id?: string } | undefined;
    return { kind: 'succeeded', status: response.status, acknowledged: { messageId: String(message?.id) } };
  }
  const error = body.error as { code?: string; message?: string } | undefined;
  const code = error?.code;
  const missingRetryAfter = response.status === 503 && !response.headers.get('retry-after');
  if (!code || code === 'internal' || missingRetryAfter) {
    return { kind: 'unclean', status: response.status, code, detail: error?.message ?? text.slice(0, 160) };
  }
  return { kind: 'clean', status: response.status, code, detail: error?.message };
}

function classifyFailure(error: unknown): Pick<Outcome, 'kind' | 'detail'> {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'hung', detail: 'no answer in time' };
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code === 'ECONNREFUSED') return { kind: 'refused', detail: 'ECONNREFUSED' };
  return { kind: 'unclean', detail: cause?.code ?? cause?.message ?? String(error) };
}
