import { AskFailedError, type AskView, type CliBackend, openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface AskCommandOptions extends GlobalOptions {
  kb?: string;
  model?: string;
  json?: boolean;
  sample: boolean;
}

/** `godwit ask "<question>"`: one grounded answer with its citations. */
export async function askCommand(
  question: string,
  options: AskCommandOptions,
  output: Output,
): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'ask',
    output,
    sample: options.sample,
  });
  try {
    const knowledgeBase = await backend.resolveKnowledgeBase(options.kb);
    const answer = await backend.ask({
      knowledgeBase,
      question,
      ...(options.model ? { model: options.model } : {}),
    });
    if (options.json) {
      const citations = answer.citations.map(({ source, location, text }) => ({ source, location, text }));
      output.json({
        answer: answer.answer,
        citations,
        model: answer.model,
        usage: answer.usage,
        degraded: answer.degraded ? { reason: answer.degraded } : null,
      });
    } else {
      printAnswer(answer, output);
    }
    return 0;
  } catch (error) {
    if (error instanceof AskFailedError) {
      output.error(
        `The model could not answer: ${error.message} (your question was saved in the conversation history).`,
      );
      return 1;
    }
    throw error;
  } finally {
    await backend.close();
  }
}

export function printAnswer(answer: AskView, output: Output): void {
  if (answer.degraded) output.info(`Degraded answer: ${answer.degraded}`);
  output.line(answer.answer);
  if (answer.citations.length > 0) {
    output.line('');
    output.line('Sources:');
    for (const citation of answer.citations) {
      const where = citation.location ? `, ${citation.location}` : '';
      output.line(`  [${citation.index}] ${citation.source}${where}`);
    }
  }
}

export type { CliBackend };
