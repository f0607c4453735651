/**
 * A Bedrock Knowledge Base as a Godwit knowledge base: `Retrieve` through
 * `@aws-sdk/client-bedrock-agent-runtime`, with the request's k as `numberOfResults`, its metadata filter
 * (equality per key) and the configured standing filter combined with `andAll`, and hybrid or semantic
 * search as asked. Passages come back as search hits cited like local ones (source URI, page).
 */
import {
  BedrockAgentRuntimeClient,
  type RetrievalFilter,
  RetrieveCommand,
  type SearchType,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { ValidationError } from '../../core/errors.ts';
import type {
  ExternalAnswerer,
  ExternalKnowledgeBase,
} from '../../core/knowledge/external-knowledge-store.ts';
import { type AwsClientSettings, awsClientConfig } from './aws-client-settings.ts';
import { referenceToHit } from './bedrock-passages.ts';
import { createRetrieveAndGenerate } from './bedrock-retrieve-and-generate.ts';
import { translateBedrockServiceError } from './translate-bedrock-service-error.ts';

export interface BedrockKnowledgeBaseSettings extends AwsClientSettings {
  /** The Godwit name (`policies`). */
  name: string;
  knowledgeBaseId: string;
  description: string;
  /** A Bedrock RetrievalFilter applied to every search. */
  filter: Record<string, unknown> | null;
  /** `retrieveAndGenerate`: grounded chat is answered by RetrieveAndGenerate with `modelArn`. Default `retrieve`. */
  mode?: 'retrieve' | 'retrieveAndGenerate';
  /** The model (or inference profile) ARN that generates answers in `retrieveAndGenerate` mode. */
  modelArn?: string | null;
  client?: BedrockAgentRuntimeClient;
}

const CONFIGURED_AT = new Date();

/**
 * @example createBedrockKnowledgeBase({ name: 'policies', knowledgeBaseId: 'KB12345678', description: '', filter: null, env: process.env })
 */
export function createBedrockKnowledgeBase(settings: BedrockKnowledgeBaseSettings): ExternalKnowledgeBase {
  const key = `knowledgeBases.${settings.name}.bedrock`;
  const config = awsClientConfig(settings, 'AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME', `${key}.region`);
  let client = settings.client;
  const target = {
    what: `Bedrock Knowledge Base ${settings.knowledgeBaseId} in ${config.region}`,
    key,
    permission: `bedrock:Retrieve on arn:aws:bedrock:${config.region}:<account>:knowledge-base/${settings.knowledgeBaseId}`,
  };
  const id = `bedrock:${settings.knowledgeBaseId}`;
  const mode = settings.mode ?? 'retrieve';
  let answerer: ExternalAnswerer | undefined;
  if (mode === 'retrieveAndGenerate') {
    answerer = createRetrieveAndGenerate({
      knowledgeBaseId: settings.knowledgeBaseId,
      modelArn: settings.modelArn ?? '',
      filter: settings.filter as RetrievalFilter | null,
      client: () => {
        client ??= new BedrockAgentRuntimeClient(config);
        return client;
      },
      target: {
        what: target.what,
        key,
        permission: `bedrock:RetrieveAndGenerate, bedrock:Retrieve on arn:aws:bedrock:${config.region}:<account>:knowledge-base/${settings.knowledgeBaseId} and bedrock:InvokeModel on ${settings.modelArn}`,
      },
    });
  }
  return {
    ...(answerer ? { answerer } : {}),
    knowledgeBase: {
      id,
      name: settings.name,
      description: settings.description,
      embeddingModel: null,
      embeddingVersion: null,
      embeddingDimension: null,
      createdAt: CONFIGURED_AT,
      updatedAt: CONFIGURED_AT,
      external: { provider: 'bedrock', id: settings.knowledgeBaseId, region: config.region, mode },
    },
    async search(request) {
      if (request.mode === 'keyword') {
        throw new ValidationError(
          `Knowledge base "${settings.name}" is a Bedrock Knowledge Base, which searches by meaning: use mode "vector" or "hybrid" (or leave mode out).`,
        );
      }
      const filter = combineFilters([
        ...(settings.filter ? [settings.filter as unknown as RetrievalFilter] : []),
        ...metadataFilters(request.filter?.metadata),
        ...(request.filter?.sources?.length
          ? [{ in: { key: 'x-amz-bedrock-kb-source-uri', value: request.filter.sources } } as RetrievalFilter]
          : []),
      ]);
      const searchType: SearchType | undefined =
        request.mode === 'hybrid' ? 'HYBRID' : request.mode === 'vector' ? 'SEMANTIC' : undefined;
      client ??= new BedrockAgentRuntimeClient(config);
      try {
        const response = await client.send(
          new RetrieveCommand({
            knowledgeBaseId: settings.knowledgeBaseId,
            retrievalQuery: { text: request.query },
            retrievalConfiguration: {
              vectorSearchConfiguration: {
                numberOfResults: request.k,
                ...(filter ? { filter } : {}),
                ...(searchType ? { overrideSearchType: searchType } : {}),
              },
            },
          }),
          request.abortSignal ? { abortSignal: request.abortSignal } : {},
        );
        return (response.retrievalResults ?? []).map((result) => referenceToHit(result, id));
      } catch (error) {
        if (request.abortSignal?.aborted) throw error;
        throw translateBedrockServiceError(error, target);
      }
    },
  };
}

function metadataFilters(metadata: Record<string, unknown> | undefined): RetrievalFilter[] {
  return Object.entries(metadata ?? {}).map(
    ([key, value]) => ({ equals: { key, value } }) as RetrievalFilter,
  );
}

function combineFilters(filters: RetrievalFilter[]): RetrievalFilter | undefined {
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  return { andAll: filters } as RetrievalFilter;
}
