import { createInterface } from 'node:readline/promises';
import { AskFailedError, openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';
import { printAnswer } from './ask.ts';

export interface ChatCommandOptions extends GlobalOptions {
  kb?: string;
  model?: string;
  sample: boolean;
}

/** `godwit chat`: an interactive conversation. `/new` starts over, `/exit` (or Ctrl-D) leaves. */
export async function chatCommand(options: ChatCommandOptions, output: Output): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'chat',
    output,
    sample: options.sample,
  });
  const prompt = createInterface({
    input: process.stdin,
    output: process.stderr,
    terminal: Boolean(process.stdin.isTTY),
  });
  try {
    const knowledgeBase = await backend.resolveKnowledgeBase(options.kb);
    output.info(
      `Chatting with knowledge base "${knowledgeBase}". /new starts a new conversation, /exit leaves.`,
    );
    let conversationId: string | undefined;
    // End of input (Ctrl-D, a closed pipe) leaves the loop; readline would otherwise leave the question pending.
    const closed = new Promise<string>((resolveClosed) => prompt.once('close', () => resolveClosed('/exit')));
    for (;;) {
      const question = (await Promise.race([prompt.question('you> ').catch(() => '/exit'), closed])).trim();
      if (question === '/exit' || question === '/quit') break;
      if (question === '/new') {
        conversationId = undefined;
        continue;
      }
      if (question.length === 0) continue;
      try {
        const answer = await backend.ask({
          knowledgeBase,
          question,
          ...(options.model ? { model: options.model } : {}),
          ...(conversationId ? { conversationId } : {}),
        });
        conversationId = answer.conversationId;
        printAnswer(answer, output);
        output.line('');
      } catch (error) {
        if (!(error instanceof AskFailedError)) throw error;
        output.error(`${error.message} (your message was saved; ask again to retry).`);
      }
    }
    return 0;
  } finally {
    prompt.close();
    await backend.close();
  }
}
