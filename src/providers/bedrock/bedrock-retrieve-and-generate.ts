/**
 * A Bedrock Knowledge Base answering by itself: `RetrieveAndGenerateStream` retrieves from the base and
 * generates with the configured model, streaming the answer (`output`) and, after each grounded part, the
 * passages it rests on (`citation`). Bedrock creates the session on the first call and keeps the
 * conversation under it; a session it no longer knows (expired) is replaced by a new one.
 */
import {
  type BedrockAgentRuntimeClient,
  type RetrievalFilter,
  RetrieveAndGenerateStreamCommand,
  type RetrieveAndGenerateStreamCommandInput,
} from '@aws-sdk/client-bedrock-agent-runtime';
import type { ExternalAnswerEvent, ExternalAnswerer } from '../../core/knowledge/external-knowledge-store.ts';
import { referenceToHit } from './bedrock-passages.ts';
import { type ServiceTarget, translateBedrockServiceError } from './translate-bedrock-service-error.ts';

export interface RetrieveAndGenerateSettings {
  knowledgeBaseId: string;
  modelArn: string;
  filter: RetrievalFilter | null;
  client: () => BedrockAgentRuntimeClient;
  target: ServiceTarget;
}

export function createRetrieveAndGenerate(settings: RetrieveAndGenerateSettings): ExternalAnswerer {
  const knowledgeBaseId = `bedrock:${settings.knowledgeBaseId}`;
  const input = (question: string, sessionId: string | undefined): RetrieveAndGenerateStreamCommandInput => ({
    input: { text: question },
    ...(sessionId ? { sessionId } : {}),
    retrieveAndGenerateConfiguration: {
      type: 'KNOWLEDGE_BASE',
      knowledgeBaseConfiguration: {
        knowledgeBaseId: settings.knowledgeBaseId,
        modelArn: settings.modelArn,
        ...(settings.filter
          ? { retrievalConfiguration: { vectorSearchConfiguration: { filter: settings.filter } } }
          : {}),
      },
    },
  });
  return {
    label: `bedrock-knowledge-base:${settings.knowledgeBaseId}`,
    service: 'bedrock-knowledge-base',
    async *answer({ question, sessionId, abortSignal }) {
      const send = (session: string | undefined) =>
        settings
          .client()
          .send(new RetrieveAndGenerateStreamCommand(input(question, session)), { abortSignal });
      let response: Awaited<ReturnType<typeof send>>;
      try {
        try {
          response = await send(sessionId);
        } catch (error) {
          // Bedrock ends idle sessions; the conversation goes on in a new one rather than failing.
          if (!sessionId || abortSignal.aborted || !isValidationError(error)) throw error;
          response = await send(undefined);
        }
        yield { type: 'session', id: response.sessionId ?? '' } satisfies ExternalAnswerEvent;
        for await (const event of response.stream ?? []) {
          if (event.output?.text) yield { type: 'text', delta: event.output.text };
          const citation = event.citation;
          if (citation) {
            const references = citation.retrievedReferences ?? citation.citation?.retrievedReferences ?? [];
            const part = citation.generatedResponsePart ?? citation.citation?.generatedResponsePart;
            yield {
              type: 'citation',
              text: part?.textResponsePart?.text ?? '',
              passages: references.map((reference) => referenceToHit(reference, knowledgeBaseId)),
            };
          }
        }
      } catch (error) {
        if (abortSignal.aborted) throw error;
        throw translateBedrockServiceError(error, settings.target);
      }
    },
  };
}

function isValidationError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ValidationException';
}
