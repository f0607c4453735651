/**
 * One chat turn: validate, store the user's message, retrieve, prompt with cited sources, stream the model's
 * answer, store it with citations, usage, cost and latency. The user's message is stored before the model
 * is called, and the assistant row exists (status `pending`) before the first token, so neither a failure
 * nor a crash loses what was said; a failed or cut-off answer is stored as `failed`, `incomplete` or
 * `interrupted` (the server stopped).
 */

import {
  type LanguageModel,
  type ModelMessage,
  experimental_streamLanguageModelCall as streamLanguageModelCall,
} from 'ai';
import { type AnswerProgress, answerWithAssistant } from '../agent/answer-with-assistant.ts';
import { answerWithManagedAgent } from '../agent/answer-with-managed-agent.ts';
import type { AssistantCatalog, PreparedAssistant } from '../agent/assistant-catalog.ts';
import { CitationCollector } from '../agent/citation-collector.ts';
import { resumeMessages } from '../agent/resume-messages.ts';
import {
  ConflictError,
  GodwitError,
  GuardrailInterventionError,
  NotFoundError,
  publicErrorMessage,
  ValidationError,
} from '../errors.ts';
import type { ExternalAnswerer } from '../knowledge/external-knowledge-store.ts';
import type { KnowledgeService } from '../knowledge/knowledge-service.ts';
import type { ModelResolver, Pricing } from '../models.ts';
import type { ConversationStore, UsageLedger } from '../ports.ts';
import type { Retriever } from '../retrieval/retriever.ts';
import type {
  Citation,
  Conversation,
  KnowledgeBase,
  Message,
  MessageDegraded,
  MessagePart,
  Usage,
} from '../types.ts';
import { answeringModel } from './answering-model.ts';
import { type ApprovalDecision, recordDecisions, type WaitingCall } from './approval-decisions.ts';
import type { ChatEvent } from './chat-event.ts';
import { ChatTurn } from './chat-turn.ts';
import { windowHistory } from './history.ts';
import { PartialAnswerSaver } from './partial-answer-saver.ts';
import { buildSystemPrompt, citedIndexes } from './prompt.ts';
import { retryInBackground } from './retry-in-background.ts';
import { DEFAULT_ENDING_RETRY_DELAYS_MS, type EndingTarget, TurnEndingWriter } from './turn-ending-writer.ts';

export interface ChatRequest {
  tenantId: string;
  userId: string;
  message: string;
  conversationId?: string;
  /** Knowledge base to answer from; null for a plain chat. Defaults to the conversation's. */
  knowledgeBase?: string | null;
  model?: string;
  /** Answer as this configured assistant (its model, instructions and tools) instead of `model`. */
  assistant?: string;
  /** Passages to retrieve. Default 6. */
  k?: number;
  /**
   * Answer only from these documents of the knowledge base (ids as listed by its documents). Each must be a
   * document of the turn's knowledge base; unknown ids are refused before anything is stored.
   */
  documentIds?: string[];
  apiKeyId?: string | null;
  /** Aborted when the caller gives up (a client that disconnected): the turn is stored `incomplete`. */
  abortSignal?: AbortSignal;
  /** Aborted when the server begins to stop: the turn ends with a `server_stopping` error, stored `interrupted`. */
  shutdownSignal?: AbortSignal;
}

export type { ChatEvent } from './chat-event.ts';

export interface ChatServiceOptions {
  conversations: ConversationStore;
  knowledge: KnowledgeService;
  retriever: Retriever;
  models: ModelResolver;
  usage: UsageLedger;
  pricing: Pricing;
  generateId: () => string;
  now?: () => Date;
  /** Passages retrieved when a request does not say. Default 6. */
  defaultK?: number;
  /** Token budget for earlier turns sent with the question. Default 3000. */
  historyTokens?: number;
  /** Longest accepted user message, in characters. Default 32 000. */
  maxMessageChars?: number;
  /**
   * While an answer streams, its text so far is saved at most this often (and only when it grew), so a
   * process that dies mid-answer leaves what was said. Pieces the model delivers together are saved with
   * the last of them, so an answer that arrives at once is written only by its ending. Default 1000 ms; 0
   * saves after every piece (or burst of pieces).
   */
  partialSaveIntervalMs?: number;
  /**
   * When the store is unavailable as a turn ends, the ending is written again after these waits (the last
   * repeats, for up to 15 minutes), so an outage leaves no turn `pending`. Default 1, 2, 5, 10, 30, 60 s.
   */
  endingRetryDelaysMs?: readonly number[];
  /** Configured assistants (tool-calling agents); without it, requests naming an assistant are refused. */
  assistants?: AssistantCatalog;
  /**
   * Knowledge bases kept elsewhere whose service answers grounded questions itself (a Bedrock Knowledge
   * Base in `retrieveAndGenerate` mode), by knowledge base name.
   */
  externalAnswerers?: ReadonlyMap<string, ExternalAnswerer>;
  /** Receives the full error of a failed turn, for operator logs (users only see a safe summary). */
  reportError?: (error: unknown, context: { conversationId: string; messageId: string }) => void;
}

export class ChatService {
  private readonly now: () => Date;

  private readonly endings: TurnEndingWriter;

  constructor(private readonly options: ChatServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.endings = new TurnEndingWriter(options.conversations, {
      ...(options.endingRetryDelaysMs ? { retryDelaysMs: options.endingRetryDelaysMs } : {}),
      onGiveUp: (error, target) =>
        options.reportError?.(error, { conversationId: target.conversationId, messageId: target.messageId }),
    });
  }

  /**
   * Starts a turn and reads it up to its `start` event: the request is validated, the conversation exists, the
   * user's message and the pending assistant row are stored. Validation errors throw here, before anything
   * is stored. See {@link ChatTurn} for reading the rest.
   */
  async start(request: ChatRequest): Promise<ChatTurn> {
    const cancel = new AbortController();
    const abortSignal = request.abortSignal
      ? AbortSignal.any([request.abortSignal, cancel.signal])
      : cancel.signal;
    const events = this.turn({ ...request, abortSignal });
    const first = await events.next();
    if (first.done || first.value.type !== 'start') {
      await events.return(undefined);
      throw new GodwitError('internal', 'The chat turn ended before it started.');
    }
    return new ChatTurn(first.value, events, cancel);
  }

  /**
   * Runs a turn, yielding events as they happen. Validation errors throw before anything is stored. However
   * the turn ends (answered, failed, cancelled, or the reader stopped reading and closed the generator), the
   * assistant row is updated before the generator finishes: no caller needs to read to the end.
   */
  async *turn(request: ChatRequest): AsyncGenerator<ChatEvent> {
    const prepared = await this.prepare(request);
    const history = prepared.created
      ? []
      : await this.options.conversations.listMessages(request.tenantId, prepared.conversation.id);
    const { userMessage, assistantMessageId } = await this.storeQuestion(request, prepared);
    yield* this.answer(request, {
      ...prepared,
      userMessage,
      assistantMessageId,
      messages: [
        ...windowHistory(history, this.options.historyTokens ?? 3000),
        { role: 'user', content: request.message },
      ],
      resumed: null,
      history,
    });
  }

  /**
   * Continues an assistant turn that waits for approvals, once the user has decided every waiting call:
   * approved calls run, denied ones are reported to the model as denied, and the loop goes on in the same
   * assistant message. Bad decisions throw (ValidationError, ConflictError) before anything changes; a call
   * another request decided first throws ApprovalAlreadyDecidedError, so of concurrent decisions (other
   * instances included) exactly one resumes the turn.
   * The turn is read as from {@link start}; its `start` event names the user message it answers.
   */
  async resume(request: ResumeRequest): Promise<ChatTurn> {
    const decided = await this.decideCalls(request, true);
    if (decided.type !== 'resumed') throw new GodwitError('internal', 'Decisions were left waiting.');
    return decided.turn;
  }

  /**
   * Stores decisions on some of the calls an answer waits for (a button per call in a channel), merged with
   * decisions other requests store at the same time. The request that decides the last waiting call resumes
   * the turn, as {@link resume} does; the others return the calls that still wait.
   */
  async decide(request: ResumeRequest): Promise<DecisionOutcome> {
    return this.decideCalls(request, false);
  }

  private async decideCalls(request: ResumeRequest, requireAll: boolean): Promise<DecisionOutcome> {
    const { tenantId, conversationId } = request;
    const conversation = await this.requireConversation(tenantId, conversationId);
    let assistant: PreparedAssistant | undefined;
    let userMessage: Message | undefined;
    const recorded = await recordDecisions(
      this.options.conversations,
      { tenantId, conversationId },
      request.decisions,
      {
        requireAll,
        beforeClaim: ({ message, before, assistant: name }) => {
          assistant = this.prepareAssistant(name);
          userMessage = before.findLast((candidate) => candidate.role === 'user');
          if (!userMessage) {
            throw new ConflictError(
              `Message "${message.id}" answers no user message, so it cannot be resumed.`,
            );
          }
        },
      },
    );
    if (recorded.waiting.length > 0 || !assistant || !userMessage) {
      return { type: 'recorded', message: recorded.message, waiting: recorded.waiting };
    }
    const cancel = new AbortController();
    const abortSignal = request.abortSignal
      ? AbortSignal.any([request.abortSignal, cancel.signal])
      : cancel.signal;
    const events = this.answer(
      { ...request, abortSignal, message: userMessage.content, assistant: recorded.assistant },
      {
        conversation,
        userMessage,
        assistantMessageId: recorded.message.id,
        knowledgeBase: null,
        documentIds: null,
        modelName: assistant.definition.model,
        model: assistant.model,
        assistant,
        messages: [
          ...windowHistory(recorded.before, this.options.historyTokens ?? 3000),
          ...resumeMessages(recorded.parts),
        ],
        resumed: {
          parts: recorded.parts,
          citations: recorded.message.citations,
          text: recorded.message.content,
        },
        history: recorded.before,
      },
    );
    const first = await events.next();
    if (first.done || first.value.type !== 'start') {
      await events.return(undefined);
      throw new GodwitError('internal', 'The resumed turn ended before it started.');
    }
    return { type: 'resumed', turn: new ChatTurn(first.value, events, cancel) };
  }

  /** Answers a stored question (or resumes a stored answer) and records how the answer ended. */
  private async *answer(request: ChatRequest, setup: AnswerSetup): AsyncGenerator<ChatEvent> {
    const { conversation, knowledgeBase, modelName, model, assistant, userMessage, assistantMessageId } =
      setup;
    const target: EndingTarget = {
      tenantId: request.tenantId,
      conversationId: conversation.id,
      messageId: assistantMessageId,
    };
    // Stops the model call when the reader closes the generator between events.
    const stopModel = new AbortController();
    const signals = [request.abortSignal, request.shutdownSignal, stopModel.signal];
    const abortSignal = AbortSignal.any(signals.filter((signal) => signal !== undefined));
    const startedAt = Date.now();
    const progress: TurnProgress = {
      text: setup.resumed?.text ?? '',
      citations: setup.resumed ? [...setup.resumed.citations] : [],
      parts: setup.resumed ? [...setup.resumed.parts] : null,
      usage: null,
      answeredBy: modelName,
      ending: { status: 'complete', note: null },
    };
    let recorded = false;
    try {
      yield { type: 'start', conversation, userMessage, assistantMessageId, model: modelName };
      const messages = setup.messages;
      const saver = new PartialAnswerSaver(
        this.options.conversations,
        { tenantId: request.tenantId, messageId: assistantMessageId },
        this.options.partialSaveIntervalMs ?? 1000,
        () => this.now().getTime(),
        (error) =>
          this.options.reportError?.(error, {
            conversationId: conversation.id,
            messageId: assistantMessageId,
          }),
      );
      const answerer = knowledgeBase?.external
        ? this.options.externalAnswerers?.get(knowledgeBase.name)
        : undefined;
      const answer = answerer
        ? this.answerFromService(request, answerer, setup.history, abortSignal, progress)
        : assistant?.managed && this.options.assistants
          ? answerWithManagedAgent(
              {
                definition: assistant.definition,
                binding: assistant.managed,
                tools: assistant.tools,
                message: request.message,
                context: {
                  tenantId: request.tenantId,
                  userId: request.userId,
                  conversationId: conversation.id,
                },
                abortSignal,
                ...(setup.resumed ? { resumed: setup.resumed } : {}),
              },
              this.options.assistants.settings,
              progress,
            )
          : assistant && this.options.assistants
            ? answerWithAssistant(
                this.options.assistants,
                assistant,
                {
                  messages,
                  context: {
                    tenantId: request.tenantId,
                    userId: request.userId,
                    conversationId: conversation.id,
                  },
                  abortSignal,
                  ...(setup.resumed
                    ? { resumeParts: setup.resumed.parts, resumeCitations: setup.resumed.citations }
                    : {}),
                },
                progress,
              )
            : this.answerFromModel(
                request,
                { knowledgeBase, documentIds: setup.documentIds, model, messages, abortSignal },
                progress,
              );
      for await (const event of answer) {
        // Text that arrived together with more of the answer is a burst: saved with its last piece (or by
        // the ending), or once an interval into it, so an answer the model delivers at once costs no extra
        // write.
        if (event.type === 'text') await saver.offer(progress.text, { burst: progress.moreReady === true });
        yield event;
      }
      // Set before the write: if the store fails here, the answer's own ending is retried in the background
      // (TurnEndingWriter) rather than replaced by a "failed" one; the error still reaches the caller.
      recorded = true;
      const message = await this.finish(request, target, progress.answeredBy, startedAt, {
        text: progress.text,
        citations: keepCited(progress.text, progress.citations),
        parts: progress.parts,
        usage: progress.usage,
        status: progress.ending.status,
        error: progress.ending.note,
        degraded: progress.degraded,
      });
      yield { type: 'finish', message };
    } catch (error) {
      if (recorded) throw error;
      recorded = true;
      const ending = endingOf(error, request);
      const message = await this.finish(request, target, modelName, startedAt, {
        text: progress.text,
        citations: keepCited(progress.text, progress.citations),
        parts: progress.parts,
        usage: null,
        status: ending.status === 'failed' && progress.text.length > 0 ? 'incomplete' : ending.status,
        error: ending.reason,
        degraded: progress.degraded,
      });
      if (ending.status === 'failed')
        this.options.reportError?.(error, { conversationId: conversation.id, messageId: assistantMessageId });
      const replacement =
        error instanceof GuardrailInterventionError ? error.intervention.replacement : undefined;
      yield {
        type: 'error',
        code: ending.code,
        message: ending.reason,
        assistantMessage: message,
        ...(replacement ? { guardrailMessage: replacement } : {}),
      };
    } finally {
      stopModel.abort();
      if (!recorded) {
        // The reader closed the generator mid-turn (a client that left, a channel that gave up).
        const ending = endingOf(new ChatAbortedError(), request);
        await this.finish(request, target, modelName, startedAt, {
          text: progress.text,
          citations: keepCited(progress.text, progress.citations),
          parts: progress.parts,
          usage: null,
          status: ending.status,
          error: ending.reason,
          degraded: progress.degraded,
        });
      }
    }
  }

  /**
   * The answer of a knowledge base service that retrieves and generates itself: its text streams with a
   * `[n]` after each part it grounds on passages, numbered as Godwit's answers number their sources, and
   * its session is stored with the answer so the conversation's next turn continues it.
   */
  private async *answerFromService(
    request: ChatRequest,
    answerer: ExternalAnswerer,
    history: readonly Message[],
    abortSignal: AbortSignal,
    progress: AnswerProgress,
  ): AsyncGenerator<ChatEvent> {
    progress.answeredBy = answerer.label;
    const sessionId = previousSession(history, answerer.service);
    const sources = new CitationCollector();
    let session: MessagePart | undefined;
    const sync = () => {
      progress.parts = [
        ...(progress.text ? [{ type: 'text' as const, text: progress.text }] : []),
        ...(session ? [session] : []),
      ];
    };
    for await (const event of answerer.answer({
      question: request.message,
      ...(sessionId ? { sessionId } : {}),
      abortSignal,
    })) {
      if (event.type === 'session') {
        session = { type: 'session', service: answerer.service, id: event.id };
        sync();
        continue;
      }
      let delta = event.type === 'text' ? event.delta : '';
      if (event.type === 'citation') {
        const numbers = [...new Set(sources.add(event.passages).map((cited) => cited.index))];
        if (numbers.length === 0) continue;
        progress.citations = sources.all();
        yield { type: 'citations', citations: progress.citations };
        // The service sends a citation after the part it grounds: the marker follows that part.
        const markers = numbers.map((index) => `[${index}]`).join('');
        delta = /\s$/.test(progress.text) || !progress.text ? `${markers} ` : ` ${markers}`;
      }
      if (!delta) continue;
      progress.text += delta;
      sync();
      yield { type: 'text', delta };
    }
  }

  /** The plain (or knowledge-grounded) answer: retrieve once, then stream the model's text. */
  private async *answerFromModel(
    request: ChatRequest,
    input: {
      knowledgeBase: KnowledgeBase | null;
      documentIds: string[] | null;
      model: LanguageModel;
      messages: ModelMessage[];
      abortSignal: AbortSignal;
    },
    progress: TurnProgress,
  ): AsyncGenerator<ChatEvent> {
    const { knowledgeBase, abortSignal } = input;
    const onDegraded = (reason: string) => {
      progress.degraded = { reason };
    };
    progress.citations = knowledgeBase
      ? await this.retrieve(request, knowledgeBase, input.documentIds, abortSignal, onDegraded)
      : [];
    if (progress.degraded) yield { type: 'degraded', reason: progress.degraded.reason };
    yield { type: 'citations', citations: progress.citations };
    // One model call, read as it streams. streamText would run the same call under its multi-step
    // machinery (tool loop, retries, a tee for each view of the stream): a chat turn here is one step
    // without tools or retries, and that machinery cost more server CPU than the rest of the turn's
    // JavaScript together (docs/BENCHMARKS.md, "Concurrent chats").
    const call = await streamLanguageModelCall({
      model: input.model,
      system: buildSystemPrompt(knowledgeBase ? progress.citations : null, knowledgeBase?.name),
      messages: input.messages,
      abortSignal,
    });
    const reader = call.stream.getReader();
    // As streamText does: an abort stops reading even from a model that does not watch the signal.
    const stopReading = () => {
      reader.cancel(abortSignal.reason).catch(() => {});
    };
    abortSignal.addEventListener('abort', stopReading, { once: true });
    let done = false;
    let next = reader.read();
    try {
      while (!done) {
        const read = await next;
        if (abortSignal.aborted) throw new ChatAbortedError();
        done = read.done;
        const part = read.value;
        if (part === undefined) continue;
        // An empty piece (some providers open with one) says nothing; streamText did not pass it on either.
        if (part.type === 'text-delta' && part.text !== '') {
          progress.text += part.text;
          next = reader.read();
          progress.moreReady = await settlesAtOnce(next);
          yield { type: 'text', delta: part.text };
          progress.moreReady = false;
          continue;
        }
        if (part.type === 'error') throw part.error;
        if (part.type === 'model-call-end') {
          progress.answeredBy = answeringModel(progress.answeredBy, part.providerMetadata);
          progress.usage = toUsage(part.usage);
        }
        if (!done) next = reader.read();
      }
    } finally {
      abortSignal.removeEventListener('abort', stopReading);
      // The reader left early (an error, or the turn was closed between events): release the model's stream.
      if (!done) await reader.cancel().catch(() => {});
    }
  }

  /**
   * Stores the user's message and the pending assistant row, and creates the conversation when the turn
   * starts one, in one write where the store allows (`appendMessages`). If that fails in a conversation this
   * turn created, whatever the store kept of it is removed again: a failed request leaves no empty
   * conversation behind.
   */
  private async storeQuestion(
    request: ChatRequest,
    prepared: PreparedTurn,
  ): Promise<{ userMessage: Message; assistantMessageId: string }> {
    const { conversations, generateId } = this.options;
    const { conversation } = prepared;
    const assistantMessageId = generateId();
    try {
      const [userMessage] = await conversations.appendMessages(
        [
          this.newMessage(request, conversation.id, {
            role: 'user',
            content: request.message,
            status: 'complete',
          }),
          this.newMessage(request, conversation.id, {
            id: assistantMessageId,
            role: 'assistant',
            status: 'pending',
            model: prepared.modelName,
          }),
        ],
        prepared.created ? { create: conversation } : {},
      );
      return { userMessage: userMessage!, assistantMessageId };
    } catch (error) {
      if (prepared.created) {
        // A store that writes it all in one step kept nothing: then there is nothing to remove.
        const remove = () =>
          conversations.deleteConversation(request.tenantId, conversation.id).catch((cleanupError) => {
            if (!GodwitError.isInstance(cleanupError) || cleanupError.code !== 'not_found')
              throw cleanupError;
          });
        // The store that refused the question may refuse this too (an outage): then it is retried until
        // the store is back, so no empty conversation stays behind.
        await remove().catch(() =>
          retryInBackground(remove, {
            delaysMs: this.options.endingRetryDelaysMs ?? DEFAULT_ENDING_RETRY_DELAYS_MS,
            onGiveUp: (cleanupError) =>
              this.options.reportError?.(cleanupError, { conversationId: conversation.id, messageId: '' }),
          }),
        );
      }
      throw error;
    }
  }

  private async prepare(request: ChatRequest): Promise<PreparedTurn> {
    validateMessage(request.message, this.options.maxMessageChars ?? 32_000);
    const assistant = request.assistant ? this.prepareAssistant(request.assistant) : null;
    const modelName = assistant?.definition.model ?? request.model ?? this.options.models.defaultModel;
    const model = assistant?.model ?? this.resolveModel(modelName, request.model !== undefined);
    const existing = request.conversationId
      ? await this.requireConversation(request.tenantId, request.conversationId)
      : undefined;
    // An assistant reads its own knowledge bases through its tools.
    const knowledgeBaseName = assistant
      ? null
      : request.knowledgeBase === undefined
        ? (existing?.knowledgeBase ?? null)
        : request.knowledgeBase;
    const knowledgeBase = knowledgeBaseName
      ? await this.options.knowledge.requireKnowledgeBase(request.tenantId, knowledgeBaseName)
      : null;
    const documentIds = await this.prepareDocumentIds(request, knowledgeBase, assistant !== null);
    // A new conversation is stored with the turn's first messages (storeQuestion).
    const createdAt = this.now();
    const conversation: Conversation = existing ?? {
      id: this.options.generateId(),
      tenantId: request.tenantId,
      userId: request.userId,
      title: titleFrom(request.message),
      knowledgeBase: knowledgeBase?.name ?? null,
      createdAt,
      updatedAt: createdAt,
    };
    return {
      conversation,
      created: existing === undefined,
      knowledgeBase,
      documentIds,
      modelName,
      model,
      assistant,
    };
  }

  /** The documents a grounded turn is restricted to, checked against its knowledge base; null = all. */
  private async prepareDocumentIds(
    request: ChatRequest,
    knowledgeBase: KnowledgeBase | null,
    hasAssistant: boolean,
  ): Promise<string[] | null> {
    if (request.documentIds === undefined) return null;
    const invalid = (text: string) => new ValidationError(text, { details: { field: 'documentIds' } });
    if (hasAssistant) {
      throw invalid(
        'documentIds restricts a grounded answer over knowledgeBase; an assistant reads its knowledge bases through its tools. Drop documentIds or assistant.',
      );
    }
    if (!knowledgeBase) {
      throw invalid(
        'documentIds needs a knowledge base: set knowledgeBase to the knowledge base that holds the documents.',
      );
    }
    if (request.documentIds.length === 0) {
      throw invalid(
        'documentIds is empty: list at least one document id, or omit it to search every document.',
      );
    }
    return this.options.knowledge.requireDocumentIds(request.tenantId, knowledgeBase, request.documentIds);
  }

  private prepareAssistant(name: string): PreparedAssistant {
    if (!this.options.assistants) {
      throw new NotFoundError(
        `There is no assistant "${name}": no assistants are configured (see docs/AGENTS.md).`,
      );
    }
    return this.options.assistants.prepare(name);
  }

  /**
   * Marks turns left `pending` by a process that died (started before `startedBefore`) as `interrupted`,
   * keeping the text they saved. Returns how many. Call it when a server starts.
   */
  interruptPendingTurns(startedBefore: Date): Promise<number> {
    return this.options.conversations.interruptPendingTurns(
      startedBefore,
      'The server stopped before the answer finished; the text so far is kept. Ask again to retry.',
    );
  }

  /**
   * A model the request names that this server has no credentials for is the request's problem (400, naming
   * the variable to set); the server's own default without credentials stays a configuration error.
   */
  private resolveModel(modelName: string, requested: boolean): LanguageModel {
    try {
      return this.options.models.languageModel(modelName);
    } catch (error) {
      if (!requested || !GodwitError.isInstance(error) || error.code !== 'config_invalid') throw error;
      throw new ValidationError(
        `${error.message} Or choose a model this server is configured for (GET /v1/models lists them).`,
        { details: { field: 'model' }, cause: error },
      );
    }
  }

  private async requireConversation(tenantId: string, conversationId: string): Promise<Conversation> {
    const conversation = await this.options.conversations.getConversation(tenantId, conversationId);
    if (!conversation) {
      throw new NotFoundError(
        `Conversation "${conversationId}" does not exist. Omit conversationId to start a new one.`,
      );
    }
    return conversation;
  }

  private async retrieve(
    request: ChatRequest,
    knowledgeBase: KnowledgeBase,
    documentIds: string[] | null,
    abortSignal: AbortSignal,
    onDegraded: (reason: string) => void,
  ): Promise<Citation[]> {
    const hits = await this.options.retriever.search(request.tenantId, {
      knowledgeBase,
      caller: { userId: request.userId, apiKeyId: request.apiKeyId ?? null },
      query: request.message,
      k: request.k ?? this.options.defaultK ?? 6,
      ...(documentIds ? { filter: { documentIds } } : {}),
      abortSignal,
      onDegraded,
    });
    return hits.map((hit, position) => ({
      index: position + 1,
      chunkId: hit.chunkId,
      documentId: hit.documentId,
      source: hit.source,
      location: hit.location,
      text: hit.text,
      score: hit.score,
    }));
  }

  private async finish(
    request: ChatRequest,
    target: EndingTarget,
    model: string,
    startedAt: number,
    outcome: {
      text: string;
      citations: Citation[];
      /** Ordered answer parts (an assistant's tool calls); null = the text alone. */
      parts?: MessagePart[] | null;
      usage: Usage | null;
      status: Message['status'];
      error: string | null;
      degraded?: MessageDegraded | undefined;
    },
  ): Promise<Message> {
    const latencyMs = Date.now() - startedAt;
    const costUsd = outcome.usage ? this.options.pricing(model, outcome.usage) : null;
    const message = await this.endings.write(target, {
      model,
      content: outcome.text,
      parts: outcome.parts ?? (outcome.text ? [{ type: 'text', text: outcome.text }] : []),
      citations: outcome.citations,
      usage: outcome.usage,
      costUsd,
      latencyMs,
      status: outcome.status,
      error: outcome.error,
      ...(outcome.degraded ? { degraded: outcome.degraded } : {}),
    });
    await this.options.usage.record({
      id: this.options.generateId(),
      tenantId: request.tenantId,
      apiKeyId: request.apiKeyId ?? null,
      userId: request.userId,
      model,
      operation: 'chat',
      inputTokens: outcome.usage?.inputTokens ?? 0,
      outputTokens: outcome.usage?.outputTokens ?? 0,
      cachedTokens: 0,
      costUsd,
      latencyMs,
      outcome: outcome.status === 'complete' ? 'ok' : outcome.status === 'failed' ? 'error' : 'cancelled',
      createdAt: this.now(),
    });
    return message;
  }

  private newMessage(
    request: ChatRequest,
    conversationId: string,
    fields: Partial<Message> & Pick<Message, 'role' | 'status'>,
  ): Message {
    const content = fields.content ?? '';
    return {
      id: fields.id ?? this.options.generateId(),
      conversationId,
      tenantId: request.tenantId,
      role: fields.role,
      content,
      parts: content ? [{ type: 'text', text: content }] : [],
      citations: [],
      model: fields.model ?? null,
      usage: null,
      costUsd: null,
      latencyMs: null,
      status: fields.status,
      error: null,
      createdAt: this.now(),
    };
  }
}

/** What a decision did: resumed the turn (it decided the last waiting call), or stored while others wait. */
export type DecisionOutcome =
  | { type: 'resumed'; turn: ChatTurn }
  | { type: 'recorded'; message: Message; waiting: WaitingCall[] };

/** Decisions on tool calls waiting in the conversation's newest answer. */
export interface ResumeRequest {
  tenantId: string;
  userId: string;
  conversationId: string;
  decisions: ApprovalDecision[];
  apiKeyId?: string | null;
  abortSignal?: AbortSignal;
  shutdownSignal?: AbortSignal;
}

interface AnswerSetup extends Omit<PreparedTurn, 'created'> {
  userMessage: Message;
  assistantMessageId: string;
  messages: ModelMessage[];
  /** The stored answer a resumed turn continues. */
  resumed: { parts: MessagePart[]; citations: Citation[]; text: string } | null;
  /** The conversation's messages before this turn. */
  history: readonly Message[];
}

interface PreparedTurn {
  conversation: Conversation;
  /** Whether this turn created the conversation. */
  created: boolean;
  knowledgeBase: KnowledgeBase | null;
  /** The documents a grounded answer is restricted to; null = the whole knowledge base. */
  documentIds: string[] | null;
  modelName: string;
  model: LanguageModel;
  assistant: PreparedAssistant | null;
}

/** Refuses a message no store can keep faithfully, before anything is stored. */
function validateMessage(message: string, maxChars: number): void {
  const invalid = (text: string) => new ValidationError(text, { details: { field: 'message' } });
  if (message.trim().length === 0) {
    throw invalid('message is empty: send the question or instruction as text.');
  }
  if (message.length > maxChars) {
    throw invalid(
      `message is ${message.length} characters; the limit is ${maxChars}. Shorten it or attach it as a document.`,
    );
  }
  // With the u flag a surrogate pair is one code point, so only a lone half matches.
  const loneSurrogate = /\p{Surrogate}/u.exec(message);
  if (loneSurrogate) {
    throw invalid(
      `message has a lone UTF-16 surrogate at character ${loneSurrogate.index}: it is not valid Unicode text. Send the text as UTF-8 or with complete surrogate pairs.`,
    );
  }
  const nul = message.indexOf('\u0000');
  if (nul >= 0) {
    throw invalid(`message has a NUL character at position ${nul}; remove it and send the text again.`);
  }
}

class ChatAbortedError extends Error {}

/** What an answer source reports while it runs; `moreReady` is set while a text event is read. */
interface TurnProgress extends AnswerProgress {
  /** More of the answer had already arrived when this text event was passed on. */
  moreReady?: boolean;
}

/**
 * Whether `read` settles before the event loop turns (the model had more queued), without waiting for it
 * otherwise. A model that answers at once (the offline model, a cached answer) settles every read so.
 */
async function settlesAtOnce(read: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Immediate | undefined;
  const later = new Promise<false>((resolveLater) => {
    timer = setImmediate(() => resolveLater(false));
  });
  const settled = await Promise.race([
    read.then(
      () => true as const,
      () => true as const,
    ),
    later,
  ]);
  clearImmediate(timer);
  return settled;
}

/** How a turn that did not finish is stored and reported: stopped by the server, by the caller, or failed. */
function endingOf(
  error: unknown,
  request: ChatRequest,
): { status: 'interrupted' | 'incomplete' | 'failed'; code: string; reason: string } {
  if (request.shutdownSignal?.aborted) {
    return {
      status: 'interrupted',
      code: 'server_stopping',
      reason: 'The server is stopping; the answer was cut off. Ask again to retry.',
    };
  }
  if (error instanceof ChatAbortedError || request.abortSignal?.aborted === true) {
    return {
      status: 'incomplete',
      code: 'cancelled',
      reason: 'The request was cancelled before the answer finished.',
    };
  }
  const code = GodwitError.isInstance(error) ? error.code : 'provider_error';
  return { status: 'failed', code, reason: publicErrorMessage(error) };
}

function toUsage(usage: {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens?: number | undefined;
}): Usage {
  const inputTokens = wholeTokens(usage.inputTokens);
  const outputTokens = wholeTokens(usage.outputTokens);
  const totalTokens =
    usage.totalTokens === undefined ? inputTokens + outputTokens : wholeTokens(usage.totalTokens);
  return { inputTokens, outputTokens, totalTokens };
}

/** Token counts are whole; an OpenAI-compatible proxy may report `43.4`, which no ledger column takes. */
function wholeTokens(count: number | undefined): number {
  return count === undefined || !Number.isFinite(count) ? 0 : Math.max(0, Math.round(count));
}

/**
 * The sources an answer cites by number. An answer that never started keeps every retrieved source, so
 * a failed turn still shows what it was grounded on.
 */
function keepCited(text: string, citations: Citation[]): Citation[] {
  const cited = citedIndexes(text);
  if (cited.size === 0) return text.length > 0 ? [] : citations;
  return citations.filter((citation) => cited.has(citation.index));
}

/** The session `service` gave the conversation's newest answer that has one. */
function previousSession(history: readonly Message[], service: string): string | undefined {
  for (let index = history.length - 1; index >= 0; index--) {
    const part = history[index]!.parts.find(
      (candidate) => candidate.type === 'session' && candidate.service === service,
    );
    if (part?.type === 'session') return part.id;
  }
  return undefined;
}

function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
