/**
 * A loopback emulator of Bedrock's managed services, in their wire formats: the Agent Runtime's
 * `InvokeAgent` (an AWS event stream of `chunk`, `trace` and `returnControl` events, or exception events)
 * `Retrieve` (knowledge base search with metadata filters) and `RetrieveAndGenerateStream` (an answer with
 * citations, in a session), and the Runtime's `ApplyGuardrail`.
 * Requests must carry SigV4 for service `bedrock`, as the official clients send it.
 *
 * Tests declare agents, knowledge bases and guardrails, script each InvokeAgent call's events, and read
 * the request log.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { describeSigV4Problem } from './sigv4.ts';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

export interface AgentReference {
  uri: string;
  text: string;
  metadata?: Record<string, unknown>;
}

/** One event of an InvokeAgent stream, as the service sends it (its payload, keyed by event type). */
export type AgentEvent =
  | { chunk: Record<string, unknown> }
  | { trace: Record<string, unknown> }
  | { returnControl: Record<string, unknown> }
  /** An exception event in the stream (`throttlingException`, `accessDeniedException`, …). */
  | { exception: { type: string; message: string } };

export interface AgentTurnScript {
  events?: AgentEvent[];
  /** Answer with this HTTP error instead of a stream. */
  error?: { status: number; type: string; message: string };
}

export interface KnowledgeBaseDocument {
  uri: string;
  text: string;
  metadata?: Record<string, string | number | boolean>;
}

export interface GuardrailDefinition {
  /** Words the guardrail's word policy blocks (case-insensitive). */
  blockedWords?: string[];
  /** Denied topics: the topic's name and words that signal it. */
  deniedTopics?: Array<{ name: string; words: string[] }>;
  blockedInputMessaging?: string;
  blockedOutputsMessaging?: string;
}

export interface AgentRuntimeRequest {
  operation: 'InvokeAgent' | 'Retrieve' | 'RetrieveAndGenerateStream' | 'ApplyGuardrail';
  path: string;
  /** InvokeAgent: the session id in the path. */
  sessionId?: string;
  body: Record<string, unknown>;
}

export interface AgentRuntimeEmulator {
  url: string;
  /** Declares an agent and the alias ids it answers on. */
  agent(agentId: string, aliasIds: string[]): void;
  /** Requests signed with this access key id are refused with AccessDeniedException. */
  denyAccessKey(accessKeyId: string): void;
  /** Queues the events of the next InvokeAgent calls, in order (a call with nothing queued answers "OK."). */
  scriptAgent(...turns: AgentTurnScript[]): void;
  /** Ends a RetrieveAndGenerate session, as Bedrock does after its timeout: continuing it is refused. */
  endKnowledgeBaseSession(sessionId: string): void;
  /** Ends an agent session, as Bedrock does after its idle timeout: calls it handed back are no longer awaited. */
  endSession(sessionId: string): void;
  knowledgeBase(knowledgeBaseId: string, documents: KnowledgeBaseDocument[]): void;
  guardrail(identifier: string, version: string, definition: GuardrailDefinition): void;
  readonly requests: AgentRuntimeRequest[];
  readonly pending: number;
  close(): Promise<void>;
}

/** Helpers that build the events a real agent sends. */
export const agentEvents = {
  /** An answer chunk; `citations` attribute parts of it to retrieved passages. */
  chunk(text: string, citations: Array<{ text: string; references: AgentReference[] }> = []): AgentEvent {
    const start = 0;
    return {
      chunk: {
        bytes: Buffer.from(text, 'utf8').toString('base64'),
        ...(citations.length > 0
          ? {
              attribution: {
                citations: citations.map((citation) => ({
                  generatedResponsePart: {
                    textResponsePart: {
                      text: citation.text,
                      span: { start, end: start + citation.text.length - 1 },
                    },
                  },
                  retrievedReferences: citation.references.map(reference),
                })),
              },
            }
          : {}),
      },
    };
  },
  /** An orchestration step: the agent calls an action group (run by the agent's own Lambda). */
  actionGroupCall(input: {
    traceId: string;
    actionGroup: string;
    verb?: string;
    apiPath?: string;
    function?: string;
    parameters?: Array<{ name: string; type: string; value: string }>;
  }): AgentEvent {
    return orchestration({
      invocationInput: {
        traceId: input.traceId,
        invocationType: 'ACTION_GROUP',
        actionGroupInvocationInput: {
          actionGroupName: input.actionGroup,
          ...(input.verb ? { verb: input.verb } : {}),
          ...(input.apiPath ? { apiPath: input.apiPath } : {}),
          ...(input.function ? { function: input.function } : {}),
          parameters: input.parameters ?? [],
          executionType: 'LAMBDA',
        },
      },
    });
  },
  actionGroupResult(traceId: string, text: string): AgentEvent {
    return orchestration({
      observation: { traceId, type: 'ACTION_GROUP', actionGroupInvocationOutput: { text } },
    });
  },
  knowledgeBaseLookup(traceId: string, knowledgeBaseId: string, text: string): AgentEvent {
    return orchestration({
      invocationInput: {
        traceId,
        invocationType: 'KNOWLEDGE_BASE',
        knowledgeBaseLookupInput: { knowledgeBaseId, text },
      },
    });
  },
  knowledgeBaseResult(traceId: string, references: AgentReference[]): AgentEvent {
    return orchestration({
      observation: {
        traceId,
        type: 'KNOWLEDGE_BASE',
        knowledgeBaseLookupOutput: { retrievedReferences: references.map(reference) },
      },
    });
  },
  /** Token counts of one model call the agent made. */
  usage(traceId: string, inputTokens: number, outputTokens: number): AgentEvent {
    return orchestration({
      modelInvocationOutput: { traceId, metadata: { usage: { inputTokens, outputTokens } } },
    });
  },
  /** The agent's guardrail blocked the input or the answer. */
  guardrailIntervened(traceId: string, source: 'input' | 'output', topics: string[]): AgentEvent {
    const assessment = {
      topicPolicy: { topics: topics.map((name) => ({ name, type: 'DENY', action: 'BLOCKED' })) },
    };
    return {
      trace: {
        trace: {
          guardrailTrace: {
            action: 'INTERVENED',
            traceId,
            ...(source === 'input'
              ? { inputAssessments: [assessment] }
              : { outputAssessments: [assessment] }),
          },
        },
      },
    };
  },
  /** The agent hands a call back to the caller (an action group with RETURN_CONTROL). */
  returnControl(
    invocationId: string,
    inputs: Array<
      | {
          actionGroup: string;
          apiPath: string;
          httpMethod: string;
          parameters?: Array<{ name: string; type: string; value: string }>;
          body?: Array<{ name: string; type: string; value: string }>;
        }
      | {
          actionGroup: string;
          function: string;
          parameters?: Array<{ name: string; type: string; value: string }>;
        }
    >,
  ): AgentEvent {
    return {
      returnControl: {
        invocationId,
        invocationInputs: inputs.map((input) =>
          'function' in input
            ? {
                functionInvocationInput: {
                  actionGroup: input.actionGroup,
                  function: input.function,
                  parameters: input.parameters ?? [],
                  actionInvocationType: 'RESULT',
                },
              }
            : {
                apiInvocationInput: {
                  actionGroup: input.actionGroup,
                  apiPath: input.apiPath,
                  httpMethod: input.httpMethod,
                  parameters: input.parameters ?? [],
                  ...(input.body
                    ? { requestBody: { content: { 'application/json': { properties: input.body } } } }
                    : {}),
                  actionInvocationType: 'RESULT',
                },
              },
        ),
      },
    };
  },
};

function orchestration(trace: Record<string, unknown>): AgentEvent {
  return { trace: { trace: { orchestrationTrace: trace } } };
}

function reference(source: AgentReference) {
  return {
    content: { type: 'TEXT', text: source.text },
    location: { type: 'S3', s3Location: { uri: source.uri } },
    metadata: { 'x-amz-bedrock-kb-source-uri': source.uri, ...source.metadata },
  };
}

export async function startAgentRuntimeEmulator(): Promise<AgentRuntimeEmulator> {
  const agents = new Map<string, Set<string>>();
  const deniedKeys = new Set<string>();
  const turns: AgentTurnScript[] = [];
  const knowledgeBases = new Map<string, KnowledgeBaseDocument[]>();
  const guardrails = new Map<string, GuardrailDefinition>();
  const requests: AgentRuntimeRequest[] = [];
  const awaiting = new Map<string, { invocationId: string; calls: number }>();
  const sessions = new Map<string, string[]>();
  const state = { agents, deniedKeys, turns, knowledgeBases, guardrails, requests, awaiting, sessions };
  const server = createServer((request, response) => {
    handle(state, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `emulator failure: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    agent: (agentId, aliasIds) => agents.set(agentId, new Set(aliasIds)),
    denyAccessKey: (accessKeyId) => deniedKeys.add(accessKeyId),
    scriptAgent: (...scripts) => turns.push(...scripts),
    endSession: (sessionId) => awaiting.delete(sessionId),
    endKnowledgeBaseSession: (sessionId) => sessions.delete(sessionId),
    knowledgeBase: (id, documents) => knowledgeBases.set(id, documents),
    guardrail: (identifier, version, definition) => guardrails.set(`${identifier}@${version}`, definition),
    requests,
    get pending() {
      return turns.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type State = {
  agents: Map<string, Set<string>>;
  deniedKeys: Set<string>;
  turns: AgentTurnScript[];
  knowledgeBases: Map<string, KnowledgeBaseDocument[]>;
  guardrails: Map<string, GuardrailDefinition>;
  requests: AgentRuntimeRequest[];
  /** Per session, the handed-back invocation whose results the agent waits for. */
  awaiting: Map<string, { invocationId: string; calls: number }>;
  /** RetrieveAndGenerate sessions: the questions asked in each. */
  sessions: Map<string, string[]>;
};

async function handle(state: State, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const raw = await readBody(request);
  let body: Record<string, unknown>;
  try {
    body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
  } catch {
    return sendError(response, 400, 'SerializationException', 'Request body is not valid JSON.');
  }
  const authProblem = describeSigV4Problem(request.headers, 'bedrock');
  if (authProblem) return sendError(response, 403, 'UnrecognizedClientException', authProblem);
  const keyId = /Credential=([A-Z0-9]+)\//.exec(String(request.headers.authorization))?.[1];
  const invoke = /^\/agents\/([^/]+)\/agentAliases\/([^/]+)\/sessions\/([^/]+)\/text$/.exec(url.pathname);
  const retrieve = /^\/knowledgebases\/([^/]+)\/retrieve$/.exec(url.pathname);
  const guard = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/.exec(url.pathname);
  const generate = url.pathname === '/retrieveAndGenerateStream';
  const operation = invoke
    ? 'InvokeAgent'
    : retrieve
      ? 'Retrieve'
      : guard
        ? 'ApplyGuardrail'
        : generate
          ? 'RetrieveAndGenerateStream'
          : undefined;
  if (request.method !== 'POST' || !operation) {
    return sendError(response, 404, 'UnknownOperationException', `No operation at ${url.pathname}.`);
  }
  state.requests.push({
    operation,
    path: url.pathname,
    ...(invoke ? { sessionId: decodeURIComponent(invoke[3]!) } : {}),
    body,
  });
  if (keyId && state.deniedKeys.has(keyId)) {
    return sendError(
      response,
      403,
      'AccessDeniedException',
      `User: arn:aws:iam::123456789012:user/${keyId} is not authorized to perform: bedrock:${operation}`,
    );
  }
  if (invoke) {
    return invokeAgent(state, response, {
      agentId: decodeURIComponent(invoke[1]!),
      aliasId: decodeURIComponent(invoke[2]!),
      sessionId: decodeURIComponent(invoke[3]!),
      body,
    });
  }
  if (retrieve) return retrieveFrom(state, response, decodeURIComponent(retrieve[1]!), body);
  if (generate) return retrieveAndGenerate(state, response, body);
  return applyGuardrail(
    state,
    response,
    decodeURIComponent(guard![1]!),
    decodeURIComponent(guard![2]!),
    body,
  );
}

async function invokeAgent(
  state: State,
  response: ServerResponse,
  request: { agentId: string; aliasId: string; sessionId: string; body: Record<string, unknown> },
) {
  const { agentId, aliasId, sessionId } = request;
  const aliases = state.agents.get(agentId);
  if (!aliases) {
    return sendError(
      response,
      404,
      'ResourceNotFoundException',
      `Failed to retrieve resource because it doesn't exist. Please check the agent ${agentId}.`,
    );
  }
  if (!aliases.has(aliasId)) {
    return sendError(
      response,
      404,
      'ResourceNotFoundException',
      `Failed to retrieve resource because it doesn't exist. Please check the alias ${aliasId} of agent ${agentId}.`,
    );
  }
  const refused = checkResults(state, sessionId, request.body);
  if (refused) return sendError(response, refused.status, refused.type, refused.message);
  const script = state.turns.shift() ?? { events: [agentEvents.chunk('OK.')] };
  for (const event of script.events ?? []) {
    if (!('returnControl' in event)) continue;
    const handedBack = event.returnControl as { invocationId: string; invocationInputs: unknown[] };
    state.awaiting.set(sessionId, {
      invocationId: handedBack.invocationId,
      calls: handedBack.invocationInputs.length,
    });
  }
  if (script.error) return sendError(response, script.error.status, script.error.type, script.error.message);
  response.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-bedrock-agent-content-type': 'application/json',
    'x-amzn-requestid': crypto.randomUUID(),
  });
  for (const event of script.events ?? []) {
    await new Promise<void>((resolve) => response.write(encodeEvent(event), () => resolve()));
  }
  response.end();
}

/**
 * Results sent back must answer the invocation the session waits for, one result per handed-back call;
 * a result with responseState FAILURE ends the invocation with a DependencyFailedException.
 */
function checkResults(
  state: State,
  sessionId: string,
  body: Record<string, unknown>,
): { status: number; type: string; message: string } | null {
  const sessionState = (body.sessionState ?? {}) as {
    invocationId?: string;
    returnControlInvocationResults?: Array<Record<string, { responseState?: string }>>;
  };
  const results = sessionState.returnControlInvocationResults;
  if (!results) return null;
  const awaited = state.awaiting.get(sessionId);
  if (!awaited || awaited.invocationId !== sessionState.invocationId) {
    return {
      status: 400,
      type: 'ValidationException',
      message: `The invocationId ${sessionState.invocationId} does not match any invocation awaiting results in session ${sessionId}.`,
    };
  }
  if (results.length !== awaited.calls) {
    return {
      status: 400,
      type: 'ValidationException',
      message: `Expected ${awaited.calls} returnControlInvocationResults for invocation ${awaited.invocationId}; got ${results.length}.`,
    };
  }
  state.awaiting.delete(sessionId);
  const failed = results.some((result) =>
    Object.values(result).some((member) => member?.responseState === 'FAILURE'),
  );
  return failed
    ? {
        status: 424,
        type: 'DependencyFailedException',
        message: 'The action group returned FAILURE for this invocation.',
      }
    : null;
}

function encodeEvent(event: AgentEvent): Uint8Array {
  if ('exception' in event) {
    return codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'exception' },
        ':exception-type': { type: 'string', value: event.exception.type },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: new TextEncoder().encode(JSON.stringify({ message: event.exception.message })),
    });
  }
  const [type, payload] = Object.entries(event)[0] as [string, unknown];
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new TextEncoder().encode(JSON.stringify(payload)),
  });
}

function retrieveFrom(
  state: State,
  response: ServerResponse,
  knowledgeBaseId: string,
  body: Record<string, unknown>,
) {
  const documents = state.knowledgeBases.get(knowledgeBaseId);
  if (!documents) {
    return sendError(
      response,
      404,
      'ResourceNotFoundException',
      `Knowledge base with id ${knowledgeBaseId} does not exist.`,
    );
  }
  const text = (body.retrievalQuery as { text?: unknown } | undefined)?.text;
  if (typeof text !== 'string' || text.length === 0) {
    return sendError(response, 400, 'ValidationException', 'retrievalQuery.text must not be empty.');
  }
  const vector = (
    body.retrievalConfiguration as { vectorSearchConfiguration?: Record<string, unknown> } | undefined
  )?.vectorSearchConfiguration;
  const numberOfResults = (vector?.numberOfResults as number | undefined) ?? 5;
  if (!Number.isInteger(numberOfResults) || numberOfResults < 1 || numberOfResults > 100) {
    return sendError(
      response,
      400,
      'ValidationException',
      `numberOfResults must be from 1 to 100; got ${numberOfResults}.`,
    );
  }
  let filter: (metadata: Record<string, unknown>) => boolean = () => true;
  if (vector?.filter) {
    try {
      filter = compileFilter(vector.filter as Record<string, unknown>);
    } catch (error) {
      return sendError(response, 400, 'ValidationException', (error as Error).message);
    }
  }
  const terms = words(text);
  const results = documents
    .filter((document) => filter(document.metadata ?? {}))
    .map((document) => {
      const documentWords = words(document.text);
      const shared = terms.filter((term) => documentWords.includes(term)).length;
      return { document, score: shared / Math.max(1, terms.length) };
    })
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score)
    .slice(0, numberOfResults);
  send(response, 200, {
    retrievalResults: results.map(({ document, score }) => ({
      content: { type: 'TEXT', text: document.text },
      location: { type: 'S3', s3Location: { uri: document.uri } },
      score,
      metadata: { 'x-amz-bedrock-kb-source-uri': document.uri, ...document.metadata },
    })),
  });
}

/**
 * RetrieveAndGenerateStream: the passages Retrieve would find, "generated" into an answer that repeats
 * each passage's text as an `output` event followed by a `citation` event naming it, in a session that is
 * created on the first call (its id in the `x-amzn-bedrock-knowledge-base-session-id` header).
 */
async function retrieveAndGenerate(state: State, response: ServerResponse, body: Record<string, unknown>) {
  const configuration = body.retrieveAndGenerateConfiguration as
    | {
        type?: string;
        knowledgeBaseConfiguration?: {
          knowledgeBaseId?: string;
          modelArn?: string;
          retrievalConfiguration?: { vectorSearchConfiguration?: Record<string, unknown> };
        };
      }
    | undefined;
  const knowledgeBase = configuration?.knowledgeBaseConfiguration;
  if (configuration?.type !== 'KNOWLEDGE_BASE' || !knowledgeBase?.knowledgeBaseId) {
    return sendError(response, 400, 'ValidationException', 'knowledgeBaseConfiguration is required.');
  }
  if (!knowledgeBase.modelArn?.startsWith('arn:')) {
    return sendError(response, 400, 'ValidationException', 'modelArn must be a model ARN.');
  }
  const documents = state.knowledgeBases.get(knowledgeBase.knowledgeBaseId);
  if (!documents) {
    return sendError(
      response,
      404,
      'ResourceNotFoundException',
      `Knowledge base with id ${knowledgeBase.knowledgeBaseId} does not exist.`,
    );
  }
  const question = (body.input as { text?: unknown } | undefined)?.text;
  if (typeof question !== 'string' || question.length === 0) {
    return sendError(response, 400, 'ValidationException', 'input.text must not be empty.');
  }
  const given = typeof body.sessionId === 'string' ? body.sessionId : undefined;
  if (given && !state.sessions.has(given)) {
    return sendError(response, 400, 'ValidationException', `Session with Id ${given} is not valid.`);
  }
  const sessionId = given ?? crypto.randomUUID();
  state.sessions.set(sessionId, [...(state.sessions.get(sessionId) ?? []), question]);
  const vector = knowledgeBase.retrievalConfiguration?.vectorSearchConfiguration;
  const filter = vector?.filter ? compileFilter(vector.filter as Record<string, unknown>) : () => true;
  const terms = words(question);
  const found = documents
    .filter((document) => filter(document.metadata ?? {}))
    .map((document) => ({
      document,
      score: terms.filter((term) => words(document.text).includes(term)).length,
    }))
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score)
    .slice(0, Number(vector?.numberOfResults ?? 2));
  response.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-bedrock-knowledge-base-session-id': sessionId,
    'x-amzn-requestid': crypto.randomUUID(),
  });
  const events: Array<[string, unknown]> =
    found.length === 0
      ? [['output', { text: 'Sorry, I am unable to assist you with this request.' }]]
      : found.flatMap(({ document }, index) => {
          const text = `${index === 0 ? '' : ' '}${document.text}`;
          return [
            ['output', { text }],
            [
              'citation',
              {
                generatedResponsePart: { textResponsePart: { text: document.text } },
                retrievedReferences: [
                  {
                    content: { type: 'TEXT', text: document.text },
                    location: { type: 'S3', s3Location: { uri: document.uri } },
                    metadata: { 'x-amz-bedrock-kb-source-uri': document.uri, ...document.metadata },
                  },
                ],
              },
            ],
          ] as Array<[string, unknown]>;
        });
  for (const [type, payload] of events) {
    const frame = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'event' },
        ':event-type': { type: 'string', value: type },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: new TextEncoder().encode(JSON.stringify(payload)),
    });
    await new Promise<void>((resolve) => response.write(frame, () => resolve()));
  }
  response.end();
}

/** The RetrievalFilter union: equals, notEquals, in, greaterThan, lessThan, startsWith, andAll, orAll. */
function compileFilter(filter: Record<string, unknown>): (metadata: Record<string, unknown>) => boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1) throw new Error('A RetrievalFilter must set exactly one operator.');
  const operator = keys[0]!;
  const operand = filter[operator] as { key: string; value: unknown } & unknown[];
  switch (operator) {
    case 'andAll':
    case 'orAll': {
      if (!Array.isArray(operand) || operand.length < 2)
        throw new Error(`${operator} needs at least 2 filters.`);
      const parts = operand.map((part) => compileFilter(part as Record<string, unknown>));
      return operator === 'andAll'
        ? (metadata) => parts.every((part) => part(metadata))
        : (metadata) => parts.some((part) => part(metadata));
    }
    case 'equals':
      return (metadata) => metadata[operand.key] === operand.value;
    case 'notEquals':
      return (metadata) => metadata[operand.key] !== operand.value;
    case 'in':
      return (metadata) => (operand.value as unknown[]).includes(metadata[operand.key]);
    case 'greaterThan':
      return (metadata) => Number(metadata[operand.key]) > Number(operand.value);
    case 'lessThan':
      return (metadata) => Number(metadata[operand.key]) < Number(operand.value);
    case 'startsWith':
      return (metadata) => String(metadata[operand.key] ?? '').startsWith(String(operand.value));
    default:
      throw new Error(`Unknown RetrievalFilter operator ${operator}.`);
  }
}

function applyGuardrail(
  state: State,
  response: ServerResponse,
  identifier: string,
  version: string,
  body: Record<string, unknown>,
) {
  const definition = state.guardrails.get(`${identifier}@${version}`);
  if (!definition) {
    return sendError(
      response,
      404,
      'ResourceNotFoundException',
      `The guardrail ${identifier} version ${version} was not found.`,
    );
  }
  const source = body.source;
  if (source !== 'INPUT' && source !== 'OUTPUT') {
    return sendError(response, 400, 'ValidationException', 'source must be INPUT or OUTPUT.');
  }
  const content = (body.content as Array<{ text?: { text?: string } }> | undefined) ?? [];
  const text = content.map((block) => block.text?.text ?? '').join('\n');
  const assessment = assess(definition, text);
  const intervened = assessment !== null;
  const messaging =
    source === 'INPUT'
      ? (definition.blockedInputMessaging ?? 'Sorry, the model cannot answer this question.')
      : (definition.blockedOutputsMessaging ?? 'Sorry, the model cannot answer this question.');
  send(response, 200, {
    usage: {
      topicPolicyUnits: 1,
      contentPolicyUnits: 1,
      wordPolicyUnits: 1,
      sensitiveInformationPolicyUnits: 0,
      sensitiveInformationPolicyFreeUnits: 0,
      contextualGroundingPolicyUnits: 0,
    },
    action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
    ...(intervened ? { actionReason: 'Guardrail blocked.' } : {}),
    outputs: intervened ? [{ text: messaging }] : [],
    assessments: intervened ? [assessment] : [],
  });
}

/** The assessment of text under a guardrail, or null when nothing is blocked. */
export function assess(definition: GuardrailDefinition, text: string): Record<string, unknown> | null {
  const lower = text.toLowerCase();
  const topics = (definition.deniedTopics ?? []).filter((topic) =>
    topic.words.some((word) => lower.includes(word.toLowerCase())),
  );
  const blocked = (definition.blockedWords ?? []).filter((word) => lower.includes(word.toLowerCase()));
  if (topics.length === 0 && blocked.length === 0) return null;
  return {
    ...(topics.length > 0
      ? {
          topicPolicy: {
            topics: topics.map((topic) => ({
              name: topic.name,
              type: 'DENY',
              action: 'BLOCKED',
              detected: true,
            })),
          },
        }
      : {}),
    ...(blocked.length > 0
      ? {
          wordPolicy: { customWords: blocked.map((match) => ({ match, action: 'BLOCKED', detected: true })) },
        }
      : {}),
  };
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

function send(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID() });
  response.end(JSON.stringify(value));
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': crypto.randomUUID(),
  });
  response.end(JSON.stringify({ message }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
