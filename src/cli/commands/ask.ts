import { openBackend } from '../backend.ts';
import { AskFailedError, type AskView, type CliBackend } from '../cli-backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface AskCommandOptions extends GlobalOptions {
  kb?: string;
  model?: string;
  /** Answer as this configured assistant, with its tools (no knowledge base is chosen). */
  assistant?: string;
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
    // An assistant reads its own knowledge bases (through its tools, or its Bedrock Agent).
    const knowledgeBase = options.assistant ? null : await backend.resolveKnowledgeBase(options.kb);
    const answer = await backend.ask({
      knowledgeBase,
      question,
      ...(options.model ? { model: options.model } : {}),
      ...(options.assistant ? { assistant: options.assistant } : {}),
    });
    if (options.json) {
      const citations = answer.citations.map(({ source, location, text }) => ({ source, location, text }));
      output.json({
        answer: answer.answer,
        citations,
        model: answer.model,
        usage: answer.usage,
        ...(options.assistant ? { toolCalls: answer.toolCalls, conversationId: answer.conversationId } : {}),
        // Only when it is: the answer's JSON keeps its documented shape otherwise.
        ...(answer.degraded ? { degraded: { reason: answer.degraded } } : {}),
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
  for (const call of answer.toolCalls) {
    const detail = call.error ? `: ${call.error}` : call.approvalId ? ' (waits for your approval)' : '';
    output.line(`  [tool] ${call.toolName} ${call.state}${detail}`);
  }
  if (answer.toolCalls.some((call) => call.approvalId)) {
    output.line(
      `  Approve or deny: godwit chat --assistant … then /approve or /deny, or POST /api/conversations/${answer.conversationId}/tool-approvals`,
    );
  }
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
