import { createInterface } from 'node:readline';
import { openBackend } from '../backend.ts';
import { AskFailedError, type CliBackend } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { printAnswer } from './ask.ts';

export interface ChatCommandOptions extends GlobalOptions {
  kb?: string;
  model?: string;
  assistant?: string;
  sample: boolean;
}

const HELP = [
  'Commands:',
  '  /help   show this list',
  '  /new    start a new conversation (the next question has no history)',
  '  /exit   leave (also /quit, or Ctrl-D)',
  'Anything else is a question for the knowledge base.',
].join('\n');

/**
 * `godwit chat`: an interactive conversation. `/help` lists the commands, `/new` starts over, `/exit` (or
 * Ctrl-D, or the end of piped input) leaves. Lines that arrive while an answer is being written wait their
 * turn, so a pasted block or a piped file is handled line by line.
 */
export async function chatCommand(options: ChatCommandOptions, output: Output): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'chat',
    output,
    sample: options.sample,
  });
  const terminal = Boolean(process.stdin.isTTY);
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal, prompt: 'you> ' });
  try {
    const knowledgeBase = options.assistant ? null : await backend.resolveKnowledgeBase(options.kb);
    const partner = options.assistant
      ? `assistant "${options.assistant}"`
      : `knowledge base "${knowledgeBase}"`;
    output.info(`Chatting with ${partner}. /help lists the commands, /exit leaves.`);
    const conversation = new ChatConversation(
      backend,
      knowledgeBase,
      options.model,
      output,
      options.assistant,
    );
    lines.prompt();
    // The async iterator buffers lines read during an answer; readline's question() would drop them.
    for await (const line of lines) {
      if ((await conversation.handle(line.trim())) === 'exit') break;
      lines.prompt();
    }
    if (terminal) output.info('');
    return 0;
  } finally {
    lines.close();
    await backend.close();
  }
}

class ChatConversation {
  private conversationId: string | undefined;

  constructor(
    private readonly backend: CliBackend,
    private readonly knowledgeBase: string | null,
    private readonly model: string | undefined,
    private readonly output: Output,
    private readonly assistant?: string,
  ) {}

  async handle(line: string): Promise<'exit' | 'continue'> {
    if (line.length === 0) return 'continue';
    if (line.startsWith('/')) return this.command(line);
    await this.ask(line);
    return 'continue';
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

  private async ask(question: string): Promise<void> {
    try {
      const answer = await this.backend.ask({
        knowledgeBase: this.knowledgeBase,
        question,
        ...(this.model ? { model: this.model } : {}),
        ...(this.assistant ? { assistant: this.assistant } : {}),
        ...(this.conversationId ? { conversationId: this.conversationId } : {}),
      });
      this.conversationId = answer.conversationId;
      printAnswer(answer, this.output);
      this.output.line('');
    } catch (error) {
      if (!(error instanceof AskFailedError)) throw error;
      this.output.error(`${error.message} (your message was saved; ask again to retry).`);
    }
  }
}
