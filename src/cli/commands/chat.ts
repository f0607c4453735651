import { createInterface } from 'node:readline';
import { openBackend } from '../backend.ts';
import { AskFailedError, type AskView, type CliBackend } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { printAnswer } from './ask.ts';

export interface ChatCommandOptions extends GlobalOptions {
  kb?: string;
  model?: string;
  /** Talk with this configured assistant (its tools run; calls that need approval wait for /approve). */
  assistant?: string;
  sample: boolean;
}

const HELP = [
  'Commands:',
  '  /help   show this list',
  '  /new    start a new conversation (the next question has no history)',
  '  /approve        run the tool calls the last answer waits for',
  '  /deny [reason]  refuse them (the assistant is told why)',
  '  /exit   leave (also /quit, or Ctrl-D)',
  'Anything else is a question for the knowledge base.',
].join('\n');

/**
 * `godwit chat`: an interactive conversation. `/help` lists the commands, `/new` starts over, `/exit` (or
 * Ctrl-D, or the end of piped input) leaves. Lines that arrive while an answer is being written wait their
 * turn, so a pasted block or a piped file is handled line by line.
 */
export async function chatCommand(
  options: ChatCommandOptions,
  output: Output,
  /** Where the lines come from: the terminal, or a pipe. */
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'chat',
    output,
    sample: options.sample,
  });
  let lines: ReturnType<typeof createInterface> | undefined;
  try {
    const knowledgeBase = options.assistant ? null : await backend.resolveKnowledgeBase(options.kb);
    output.info(
      `Chatting with ${options.assistant ? `assistant "${options.assistant}"` : `knowledge base "${knowledgeBase}"`}. /help lists the commands, /exit leaves.`,
    );
    const conversation = new ChatConversation(backend, { knowledgeBase, ...options }, output);
    // The reader starts only now, and the loop takes its lines in the same tick: lines that arrive before
    // the loop listens would be dropped (a pipe delivers them at once), and the command would never end.
    const terminal = Boolean(input.isTTY);
    lines = createInterface({ input, output: process.stderr, terminal, prompt: 'you> ' });
    lines.prompt();
    // The async iterator buffers lines read during an answer; readline's question() would drop them.
    for await (const line of lines) {
      if ((await conversation.handle(line.trim())) === 'exit') break;
      lines.prompt();
    }
    if (terminal) output.info('');
    return 0;
  } finally {
    lines?.close();
    await backend.close();
  }
}

class ChatConversation {
  private conversationId: string | undefined;
  /** Approval ids the last answer waits for. */
  private waiting: string[] = [];

  constructor(
    private readonly backend: CliBackend,
    private readonly target: { knowledgeBase: string | null; model?: string; assistant?: string },
    private readonly output: Output,
  ) {}

  async handle(line: string): Promise<'exit' | 'continue'> {
    if (line.length === 0) return 'continue';
    if (/^\/(approve|deny)\b/i.test(line)) {
      await this.decide(line);
      return 'continue';
    }
    if (line.startsWith('/')) return this.command(line);
    await this.ask(line);
    return 'continue';
  }

  private async decide(line: string): Promise<void> {
    if (!this.conversationId || this.waiting.length === 0) {
      this.output.info('No tool call waits for approval.');
      return;
    }
    const approved = line.toLowerCase().startsWith('/approve');
    const reason = line.replace(/^\/\w+\s*/, '').trim();
    await this.answer(() =>
      this.backend.decide(
        this.conversationId!,
        this.waiting.map((approvalId) => ({ approvalId, approved, ...(reason ? { reason } : {}) })),
      ),
    );
  }

  private command(line: string): 'exit' | 'continue' {
    const name = line.split(/\s+/, 1)[0]!.toLowerCase();
    if (name === '/exit' || name === '/quit') return 'exit';
    if (name === '/help') this.output.info(HELP);
    else if (name === '/new') {
      this.conversationId = undefined;
      this.output.info('Started a new conversation.');
    } else this.output.info(`Unknown command ${name}: /help lists the commands.`);
    return 'continue';
  }

  private ask(question: string): Promise<void> {
    const { knowledgeBase, model, assistant } = this.target;
    return this.answer(() =>
      this.backend.ask({
        knowledgeBase,
        question,
        ...(model ? { model } : {}),
        ...(assistant ? { assistant } : {}),
        ...(this.conversationId ? { conversationId: this.conversationId } : {}),
      }),
    );
  }

  private async answer(request: () => Promise<AskView>): Promise<void> {
    try {
      const answer = await request();
      this.conversationId = answer.conversationId;
      this.waiting = answer.toolCalls.flatMap((call) => (call.approvalId ? [call.approvalId] : []));
      printAnswer(answer, this.output);
      if (this.waiting.length > 0)
        this.output.info('Type /approve to run the waiting tool calls, or /deny [reason].');
      this.output.line('');
    } catch (error) {
      if (!(error instanceof AskFailedError)) throw error;
      this.output.error(`${error.message} (your message was saved; ask again to retry).`);
    }
  }
}
