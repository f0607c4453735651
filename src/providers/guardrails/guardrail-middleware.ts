/**
 * A Bedrock guardrail around any language model, as AI SDK middleware. Bedrock models get the guardrail in
 * the Converse request (`guardrailConfig`, synchronous stream processing) and an intervention is read from
 * the stop reason and trace. Other providers are checked with `ApplyGuardrail`: the question before the call,
 * and the answer as it streams, every `outputCheckChars` characters and at the end; text is released only
 * once checked, so a blocked answer never reaches the caller. Either way an intervention ends the call with
 * a GuardrailInterventionError that names the guardrail and the policies, never an empty answer.
 */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { GuardrailInterventionError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';

export interface GuardrailCheck {
  intervened: boolean;
  /** The policies that blocked (`denied topic "Investment advice"`). */
  policies: string[];
  /** The guardrail's message in place of the blocked text. */
  replacement?: string;
}

export interface Guardrail {
  /** `gr-123 (version 1)`. */
  readonly label: string;
  readonly id: string;
  readonly version: string;
  /** ApplyGuardrail on text from the user (`input`) or the model (`output`). */
  check(source: 'input' | 'output', text: string, abortSignal?: AbortSignal): Promise<GuardrailCheck>;
  /** Answers are checked every this many new characters while they stream. */
  readonly outputCheckChars: number;
  /** Turns a Converse trace (`trace.guardrail`) into the policies it names. */
  describeTrace(trace: unknown): { source: 'input' | 'output'; policies: string[] };
}

export function createGuardrailMiddleware(guardrail: Guardrail): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    transformParams: async ({ params, model }) =>
      model.provider === 'bedrock' ? withConverseGuardrail(params, guardrail) : params,
    async wrapGenerate({ doGenerate, params, model }) {
      if (model.provider === 'bedrock') {
        const result = await doGenerate();
        if (result.finishReason.raw === 'guardrail_intervened') {
          // Converse answers with the guardrail's blocked message as the text.
          const text = result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
          throw intervention(guardrail, result.providerMetadata?.bedrock?.trace, text);
        }
        return result;
      }
      await checkInput(guardrail, params);
      const result = await doGenerate();
      const text = result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      if (text) await checkOutput(guardrail, text, params.abortSignal);
      return result;
    },
    async wrapStream({ doStream, params, model }) {
      if (model.provider === 'bedrock') {
        const result = await doStream();
        return { ...result, stream: result.stream.pipeThrough(converseInterventions(guardrail)) };
      }
      await checkInput(guardrail, params);
      const result = await doStream();
      return { ...result, stream: result.stream.pipeThrough(checkedOutput(guardrail, params.abortSignal)) };
    },
  };
}

function withConverseGuardrail(
  params: LanguageModelV4CallOptions,
  guardrail: Guardrail,
): LanguageModelV4CallOptions {
  const bedrock = (params.providerOptions?.bedrock ?? {}) as Record<string, JsonValue>;
  return {
    ...params,
    providerOptions: {
      ...params.providerOptions,
      bedrock: {
        ...bedrock,
        guardrailConfig: {
          guardrailIdentifier: guardrail.id,
          guardrailVersion: guardrail.version,
          trace: 'enabled',
          // Sync: Bedrock checks each piece before it sends it, so blocked text is never streamed.
          streamProcessingMode: 'sync',
        },
      },
    },
  };
}

/** Ends a Converse stream the guardrail stopped (`guardrail_intervened`) with the intervention error. */
function converseInterventions(
  guardrail: Guardrail,
): TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart> {
  return new TransformStream({
    transform(part, controller) {
      if (part.type === 'finish' && part.finishReason.raw === 'guardrail_intervened') {
        controller.enqueue({
          type: 'error',
          error: intervention(guardrail, part.providerMetadata?.bedrock?.trace),
        });
        return;
      }
      controller.enqueue(part);
    },
  });
}

function intervention(
  guardrail: Guardrail,
  trace: unknown,
  replacement?: string,
): GuardrailInterventionError {
  const described = guardrail.describeTrace(trace);
  return new GuardrailInterventionError({
    guardrail: guardrail.label,
    ...described,
    ...(replacement ? { replacement } : {}),
  });
}

async function checkInput(guardrail: Guardrail, params: LanguageModelV4CallOptions): Promise<void> {
  const text = lastUserText(params.prompt);
  if (!text) return;
  const result = await guardrail.check('input', text, params.abortSignal);
  if (result.intervened) {
    throw new GuardrailInterventionError({
      guardrail: guardrail.label,
      source: 'input',
      policies: result.policies,
      ...(result.replacement ? { replacement: result.replacement } : {}),
    });
  }
}

async function checkOutput(guardrail: Guardrail, text: string, abortSignal: AbortSignal | undefined) {
  const result = await guardrail.check('output', text, abortSignal);
  if (result.intervened) {
    throw new GuardrailInterventionError({
      guardrail: guardrail.label,
      source: 'output',
      policies: result.policies,
      ...(result.replacement ? { replacement: result.replacement } : {}),
    });
  }
}

/**
 * Holds back parts until the answer so far passes the guardrail: checked every `outputCheckChars` new
 * characters and before the finish. A block releases nothing more and ends the stream with the error.
 */
function checkedOutput(
  guardrail: Guardrail,
  abortSignal: AbortSignal | undefined,
): TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart> {
  let held: LanguageModelV4StreamPart[] = [];
  let text = '';
  let checkedLength = 0;
  let blocked = false;
  const release = async (controller: TransformStreamDefaultController<LanguageModelV4StreamPart>) => {
    if (text.length > checkedLength) {
      try {
        await checkOutput(guardrail, text, abortSignal);
      } catch (error) {
        blocked = true;
        held = [];
        controller.enqueue({ type: 'error', error });
        return;
      }
      checkedLength = text.length;
    }
    for (const part of held) controller.enqueue(part);
    held = [];
  };
  return new TransformStream({
    async transform(part, controller) {
      if (blocked) return;
      if (part.type === 'text-delta') text += part.delta;
      if (part.type === 'finish') {
        await release(controller);
        if (!blocked) controller.enqueue(part);
        return;
      }
      held.push(part);
      if (text.length - checkedLength >= guardrail.outputCheckChars) await release(controller);
    },
    async flush(controller) {
      if (!blocked) await release(controller);
    },
  });
}

function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index]!;
    if (message.role !== 'user') continue;
    return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
  }
  return '';
}
