/**
 * The assistant half of a chat turn when a managed agent (a Bedrock Agent) answers: its text streams as
 * the turn's text, the steps it runs itself are stored as tool calls, the passages it attributes become
 * the turn's numbered sources, and the calls it hands back run on Godwit's own tools under the assistant's
 * approval policy and limits. `progress` stays current, so the turn stores the same record however it ends.
 */
import { asSchema } from 'ai';
import { citedIndexes } from '../chat/prompt.ts';
import { ConflictError, GodwitError, GuardrailInterventionError } from '../errors.ts';
import type { Citation, JsonValue, MessagePart, SearchHit } from '../types.ts';
import type { AgentRunSettings, AssistantDefinition } from './agent-run.ts';
import type { AgentTool } from './agent-tool.ts';
import type { AnswerProgress, AssistantEvent } from './answer-with-assistant.ts';
import { needsApproval } from './approval-policy.ts';
import { CitationCollector } from './citation-collector.ts';
import { guardedExecute } from './guarded-execute.ts';
import { signHandedBackCall, verifyHandedBackCall } from './handed-back-approval.ts';
import type {
  ManagedAgentCall,
  ManagedAgentCallResult,
  ManagedAgentEvent,
  ManagedAgentInvocation,
  ManagedAssistantBinding,
} from './managed-agent.ts';
import { toolCallViews } from './tool-call-view.ts';

export interface ManagedAnswerInput {
  definition: AssistantDefinition;
  binding: ManagedAssistantBinding;
  /** Tools the assistant may run for handed-back calls (named in errors). */
  tools: readonly AgentTool[];
  message: string;
  context: { tenantId: string; userId: string; conversationId: string };
  abortSignal: AbortSignal;
  /**
   * The stored answer of a turn that waited for approvals, with the user's decisions applied: its
   * handed-back calls run (or are denied) and their results go back to the agent instead of the question.
   */
  resumed?: { parts: MessagePart[]; citations: Citation[]; text: string };
}

type ToolCallPart = Extract<MessagePart, { type: 'tool-call' }>;

const TAMPERED =
  'The approval does not match the tool call as it was requested (its input or signature changed), so the call did not run. Ask again to start a new turn.';

export async function* answerWithManagedAgent(
  input: ManagedAnswerInput,
  settings: AgentRunSettings,
  progress: AnswerProgress,
): AsyncGenerator<AssistantEvent> {
  const run = new ManagedRun(input, settings, progress);
  yield* run.events();
}

class ManagedRun {
  private readonly parts: MessagePart[] = [];
  private readonly citations = new CitationCollector();
  private text = '';
  private usage = { inputTokens: 0, outputTokens: 0, reported: false };
  private step = 0;
  private stepText = '';
  private guardrail: Extract<ManagedAgentEvent, { type: 'guardrail' }> | undefined;

  constructor(
    private readonly input: ManagedAnswerInput,
    private readonly settings: AgentRunSettings,
    private readonly progress: AnswerProgress,
  ) {
    progress.answeredBy = input.definition.model;
    if (input.resumed) {
      this.parts.push(...input.resumed.parts);
      this.citations.restore(input.resumed.citations);
      this.text = input.resumed.text;
      this.step = Math.max(0, ...this.parts.map((part) => part.step ?? 0));
    }
  }

  async *events(): AsyncGenerator<AssistantEvent> {
    const { binding, context, abortSignal, definition } = this.input;
    const base = {
      sessionId: context.conversationId,
      sessionAttributes: { tenantId: context.tenantId, userId: context.userId },
      abortSignal,
    };
    try {
      let invocation: ManagedAgentInvocation = this.input.resumed
        ? { ...base, results: yield* this.decidedResults() }
        : { ...base, inputText: this.input.message };
      if (invocation.results) this.step += 1;
      for (let round = 1; ; round++) {
        let handedBack: Extract<ManagedAgentEvent, { type: 'return-control' }> | undefined;
        for await (const event of binding.agent.invoke(invocation)) {
          if (event.type === 'return-control') handedBack = event;
          else yield* this.apply(event);
        }
        this.closeStepText();
        if (this.guardrail) {
          const { guardrail, source, policies } = this.guardrail;
          throw new GuardrailInterventionError({ guardrail, source, policies });
        }
        if (!handedBack) return;
        this.step += 1;
        const results: ManagedAgentCallResult[] = [];
        for (const call of handedBack.calls) {
          const result = yield* this.runCall(call, handedBack.invocationId);
          if (result) results.push(result);
        }
        if (this.awaitingApproval()) return;
        if (round >= definition.maxSteps) {
          this.progress.ending = {
            status: 'incomplete',
            note: `The assistant stopped after ${definition.maxSteps} steps (its step limit) before it finished.`,
          };
          return;
        }
        this.step += 1;
        invocation = { ...base, results: { invocationId: handedBack.invocationId, results } };
      }
    } finally {
      this.sync();
    }
  }

  private *apply(event: ManagedAgentEvent): Generator<AssistantEvent> {
    switch (event.type) {
      case 'text': {
        const delta = this.withMarkers(event.delta, event.citations);
        this.text += delta;
        this.stepText += delta;
        this.sync();
        if (event.citations.length > 0) yield { type: 'citations', citations: this.citations.all() };
        yield { type: 'text', delta };
        return;
      }
      case 'step-start':
        this.closeStepText();
        this.parts.push({
          type: 'tool-call',
          toolCallId: event.id,
          toolName: event.name,
          input: event.input,
          step: this.step,
        });
        this.sync();
        yield this.view(event.id);
        return;
      case 'step-end':
        if (event.passages) this.citations.add(event.passages);
        this.parts.push({
          type: 'tool-result',
          toolCallId: event.id,
          toolName: this.callName(event.id),
          output: event.output,
          step: this.step,
        });
        this.sync();
        if (event.passages?.length) yield { type: 'citations', citations: this.citations.all() };
        yield this.view(event.id);
        return;
      case 'usage':
        this.usage.inputTokens += event.inputTokens;
        this.usage.outputTokens += event.outputTokens;
        this.usage.reported = true;
        return;
      case 'guardrail':
        this.guardrail = event;
        return;
      case 'return-control':
        return;
    }
  }

  /**
   * Runs one handed-back call on the matching Godwit tool: refused when there is none, held for the user
   * when the approval policy asks, otherwise run under the tool limits. Returns what the agent is told, or
   * undefined while the call waits for approval.
   */
  private async *runCall(
    call: ManagedAgentCall,
    invocationId: string,
  ): AsyncGenerator<AssistantEvent, ManagedAgentCallResult | undefined> {
    const tool = this.input.binding.resolveTool(call);
    this.parts.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: tool?.name ?? describeCall(call),
      input: call.input,
      step: this.step,
      handedBack: { invocationId, actionGroup: call.actionGroup, operation: call.operation },
    });
    if (!tool) return yield* this.finishCall(call, this.noSuchTool(call), { isError: true });
    if (needsApproval(this.input.definition.approval, tool)) {
      const part = this.parts.at(-1) as ToolCallPart;
      const approvalId = `approval-${call.id}`;
      const signature = signHandedBackCall(this.settings.approvalSecret, {
        approvalId,
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
        handedBack: part.handedBack,
      });
      part.approval = {
        id: approvalId,
        state: 'requested',
        assistant: this.input.definition.name,
        signature,
      };
      this.sync();
      yield this.view(call.id);
      return undefined;
    }
    this.sync();
    yield this.view(call.id);
    return yield* this.execute(call, tool);
  }

  /**
   * The results of the handed-back calls the turn waited on, once the user decided: calls that ran before
   * keep their results, approved calls run now, denied ones tell the agent the user said no. A decision
   * whose call changed after it was signed runs nothing and ends the turn.
   */
  private async *decidedResults(): AsyncGenerator<
    AssistantEvent,
    { invocationId: string; results: ManagedAgentCallResult[] }
  > {
    const answered = new Map(
      this.parts.flatMap((part) => (part.type === 'tool-result' ? [[part.toolCallId, part] as const] : [])),
    );
    const decided = this.parts.filter(
      (part): part is ToolCallPart =>
        part.type === 'tool-call' &&
        part.approval !== undefined &&
        part.approval.state !== 'requested' &&
        part.handedBack !== undefined &&
        !answered.has(part.toolCallId),
    );
    const invocationId = decided[0]?.handedBack?.invocationId;
    if (!invocationId) {
      throw new ConflictError('No call handed back by the agent waits for this decision. Ask again.');
    }
    const forged = decided.some(
      (part) =>
        !verifyHandedBackCall(
          this.settings.approvalSecret,
          {
            approvalId: part.approval!.id,
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            handedBack: part.handedBack,
          },
          part.approval!.signature,
        ),
    );
    if (forged) {
      for (const part of decided) {
        this.parts.push({
          type: 'tool-result',
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          output: TAMPERED,
          isError: true,
          step: part.step ?? this.step,
        });
      }
      throw new ConflictError(TAMPERED, { details: { field: 'approvals' } });
    }
    const results: ManagedAgentCallResult[] = [];
    const calls = this.parts.filter(
      (part): part is ToolCallPart =>
        part.type === 'tool-call' && part.handedBack?.invocationId === invocationId,
    );
    for (const part of calls) {
      const call = toManagedCall(part);
      this.step = part.step ?? this.step;
      const stored = answered.get(part.toolCallId);
      if (stored) {
        results.push({ call, output: stored.output, failed: stored.isError === true });
        continue;
      }
      if (part.approval?.state === 'denied') {
        const reason = part.approval.reason;
        const output = reason
          ? `The user denied this tool call: ${reason}`
          : 'The user denied this tool call.';
        results.push(yield* this.finishCall(call, output, { denied: true, name: part.toolName }));
        continue;
      }
      const tool = this.input.binding.resolveTool(call);
      if (!tool) {
        results.push(yield* this.finishCall(call, this.noSuchTool(call), { isError: true }));
        continue;
      }
      this.sync();
      yield this.view(call.id);
      results.push({ ...(yield* this.execute(call, tool)), confirmation: 'approved' });
    }
    return { invocationId, results };
  }

  /** Runs a call on its tool under the tool limits; a failure is the result the agent is told. */
  private async *execute(
    call: ManagedAgentCall,
    tool: AgentTool,
  ): AsyncGenerator<AssistantEvent, ManagedAgentCallResult> {
    const startedAt = performance.now();
    try {
      const checked = await asSchema(tool.inputSchema).validate?.(call.input);
      if (checked && !checked.success) {
        const output = `The arguments for "${tool.name}" do not match its input schema: ${checked.error.message}`;
        return yield* this.finishCall(call, output, { isError: true, name: tool.name });
      }
      const output = await guardedExecute(
        tool,
        checked?.success ? checked.value : call.input,
        {
          ...this.input.context,
          toolCallId: call.id,
          abortSignal: this.input.abortSignal,
          citations: this.citations,
        },
        this.settings.limits,
      );
      return yield* this.finishCall(call, output, {
        name: tool.name,
        durationMs: Math.round(performance.now() - startedAt),
      });
    } catch (error) {
      const output = GodwitError.isInstance(error)
        ? error.message
        : `Tool "${tool.name}" failed unexpectedly.`;
      return yield* this.finishCall(call, output, {
        isError: true,
        name: tool.name,
        durationMs: Math.round(performance.now() - startedAt),
      });
    }
  }

  private *finishCall(
    call: ManagedAgentCall,
    output: JsonValue,
    options: { isError?: boolean; denied?: boolean; name?: string; durationMs?: number },
  ): Generator<AssistantEvent, ManagedAgentCallResult> {
    this.parts.push({
      type: 'tool-result',
      toolCallId: call.id,
      toolName: options.name ?? describeCall(call),
      output,
      ...(options.isError ? { isError: true } : {}),
      ...(options.denied ? { denied: true } : {}),
      ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
      step: this.step,
    });
    this.sync();
    yield { type: 'citations', citations: this.citations.all() };
    yield this.view(call.id);
    return {
      call,
      output,
      failed: options.isError === true,
      ...(options.denied ? { confirmation: 'denied' as const } : {}),
    };
  }

  /** Numbers the passages a chunk cites and puts `[N]` after each cited part, as Godwit's answers cite. */
  private withMarkers(delta: string, citations: Array<{ text: string; passages: SearchHit[] }>): string {
    let text = delta;
    let cursor = 0;
    for (const citation of citations) {
      const numbers = this.citations.add(citation.passages).map((cited) => cited.index);
      if (numbers.length === 0) continue;
      const markers = [...new Set(numbers)].map((index) => `[${index}]`).join('');
      const found = citation.text ? text.indexOf(citation.text.trim(), cursor) : -1;
      const at = found >= 0 ? found + citation.text.trim().length : text.length;
      const insert = ` ${markers}`;
      text = text.slice(0, at) + insert + text.slice(at);
      cursor = at + insert.length;
    }
    return text;
  }

  private noSuchTool(call: ManagedAgentCall): string {
    const names = this.input.tools.map((candidate) => candidate.name).join(', ') || 'none';
    return `The agent asked Godwit to run ${describeCall(call)}, but this assistant has no such tool. This assistant's tools: ${names}. Add the action group's OpenAPI or Lambda source to tools and to assistants.${this.input.definition.name}.tools.`;
  }

  private closeStepText(): void {
    if (this.stepText) this.parts.push({ type: 'text', text: this.stepText, step: this.step });
    this.stepText = '';
  }

  private awaitingApproval(): boolean {
    return toolCallViews(this.parts).some((call) => call.state === 'awaiting-approval');
  }

  private callName(id: string): string {
    for (const part of this.parts)
      if (part.type === 'tool-call' && part.toolCallId === id) return part.toolName;
    return 'agent step';
  }

  private view(id: string): AssistantEvent {
    const call = toolCallViews(this.parts).find((candidate) => candidate.toolCallId === id);
    return { type: 'tool', call: call! };
  }

  private sync(): void {
    const parts = [...this.parts];
    if (this.stepText) parts.push({ type: 'text', text: this.stepText, step: this.step });
    this.progress.text = this.text;
    this.progress.parts = parts;
    this.progress.citations = citedOrShown(this.text, this.citations.all());
    const { inputTokens, outputTokens, reported } = this.usage;
    this.progress.usage = reported
      ? { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }
      : null;
  }
}

/** A stored handed-back call as the agent named it, to send its result back. */
function toManagedCall(part: ToolCallPart): ManagedAgentCall {
  const { actionGroup, operation } = part.handedBack!;
  const input =
    part.input !== null && typeof part.input === 'object' && !Array.isArray(part.input) ? part.input : {};
  return { id: part.toolCallId, actionGroup, operation, input };
}

/** `Booking: POST /appointments` or `Booking: book`, as the agent named the call. */
function describeCall(call: ManagedAgentCall): string {
  return call.operation.kind === 'api'
    ? `${call.actionGroup}: ${call.operation.method.toUpperCase()} ${call.operation.path}`
    : `${call.actionGroup}: ${call.operation.name}`;
}

function citedOrShown(text: string, citations: Citation[]): Citation[] {
  const cited = citedIndexes(text);
  if (cited.size === 0) return text.length > 0 ? [] : citations;
  return citations.filter((citation) => cited.has(citation.index));
}
