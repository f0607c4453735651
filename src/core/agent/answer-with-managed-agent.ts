/**
 * The assistant half of a chat turn when a managed agent (a Bedrock Agent) answers: its text streams as
 * the turn's text, the steps it runs itself are stored as tool calls, the passages it attributes become
 * the turn's numbered sources, and the calls it hands back run on Godwit's own tools under the assistant's
 * approval policy and limits. `progress` stays current, so the turn stores the same record however it ends.
 */
import { asSchema } from 'ai';
import { citedIndexes } from '../chat/prompt.ts';
import { GodwitError, GuardrailInterventionError } from '../errors.ts';
import type { Citation, JsonValue, MessagePart, SearchHit } from '../types.ts';
import type { AgentRunSettings, AssistantDefinition } from './agent-run.ts';
import type { AgentTool } from './agent-tool.ts';
import type { AnswerProgress, AssistantEvent } from './answer-with-assistant.ts';
import { needsApproval } from './approval-policy.ts';
import { CitationCollector } from './citation-collector.ts';
import { guardedExecute } from './guarded-execute.ts';
import type {
  ManagedAgentCall,
  ManagedAgentCallResult,
  ManagedAgentEvent,
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
}

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
  }

  async *events(): AsyncGenerator<AssistantEvent> {
    const { binding, context, abortSignal, definition } = this.input;
    const base = {
      sessionId: context.conversationId,
      sessionAttributes: { tenantId: context.tenantId, userId: context.userId },
      abortSignal,
    };
    let invocation: Parameters<typeof binding.agent.invoke>[0] = { ...base, inputText: this.input.message };
    try {
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
          const result = yield* this.runCall(call);
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
  ): AsyncGenerator<AssistantEvent, ManagedAgentCallResult | undefined> {
    const tool = this.input.binding.resolveTool(call);
    this.parts.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: tool?.name ?? describeCall(call),
      input: call.input,
      step: this.step,
    });
    if (!tool) {
      const names = this.input.tools.map((candidate) => candidate.name).join(', ') || 'none';
      const output = `The agent asked Godwit to run ${describeCall(call)}, but this assistant has no such tool. This assistant's tools: ${names}. Add the action group's OpenAPI or Lambda source to tools and to assistants.${this.input.definition.name}.tools.`;
      return yield* this.finishCall(call, output, { isError: true });
    }
    if (needsApproval(this.input.definition.approval, tool)) {
      const part = this.parts.at(-1);
      if (part?.type === 'tool-call') part.approval = { id: `approval-${call.id}`, state: 'requested' };
      this.sync();
      yield this.view(call.id);
      return undefined;
    }
    this.sync();
    yield this.view(call.id);
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
    options: { isError?: boolean; name?: string; durationMs?: number },
  ): Generator<AssistantEvent, ManagedAgentCallResult> {
    this.parts.push({
      type: 'tool-result',
      toolCallId: call.id,
      toolName: options.name ?? describeCall(call),
      output,
      ...(options.isError ? { isError: true } : {}),
      ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
      step: this.step,
    });
    this.sync();
    yield { type: 'citations', citations: this.citations.all() };
    yield this.view(call.id);
    return { call, output, failed: options.isError === true };
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
