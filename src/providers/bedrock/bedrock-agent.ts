/**
 * A Bedrock Agent (agent id + alias) as a managed agent: `InvokeAgent` through
 * `@aws-sdk/client-bedrock-agent-runtime`, with traces on and the final answer streamed. Its event stream
 * becomes core's events (text with attributed passages, the agent's own steps, token counts, returns of
 * control, guardrail interventions), and AWS errors become GodwitErrors that name the agent and the fix.
 */
import {
  BedrockAgentRuntimeClient,
  type InvocationInputMember,
  type InvocationResultMember,
  InvokeAgentCommand,
  type InvokeAgentCommandInput,
  type ResponseStream,
  type Trace,
} from '@aws-sdk/client-bedrock-agent-runtime';
import type {
  ManagedAgent,
  ManagedAgentCall,
  ManagedAgentCallResult,
  ManagedAgentEvent,
} from '../../core/agent/managed-agent.ts';
import { ConflictError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/types.ts';
import { type AwsClientSettings, awsClientConfig } from './aws-client-settings.ts';
import { referenceToHit } from './bedrock-passages.ts';
import { describeAssessment } from './guardrail-assessments.ts';
import { translateBedrockServiceError } from './translate-bedrock-service-error.ts';

export interface BedrockAgentSettings extends AwsClientSettings {
  agentId: string;
  aliasId: string;
  /** The config key, named in errors: `assistants.support.bedrockAgent`. */
  key: string;
  /** Injected in tests: a client built elsewhere. */
  client?: BedrockAgentRuntimeClient;
}

/**
 * @example createBedrockAgent({ agentId: 'AGENT12345', aliasId: 'TSTALIASID', env: process.env, key: 'assistants.support.bedrockAgent' })
 */
export function createBedrockAgent(settings: BedrockAgentSettings): ManagedAgent {
  const config = awsClientConfig(
    settings,
    'AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME',
    `${settings.key}.region`,
  );
  const client = settings.client ?? new BedrockAgentRuntimeClient(config);
  const label = `bedrock-agent:${settings.agentId}/${settings.aliasId}`;
  const target = {
    what: `Bedrock agent ${settings.agentId} (alias ${settings.aliasId}) in ${config.region}`,
    key: settings.key,
    permission: `bedrock:InvokeAgent on arn:aws:bedrock:${config.region}:<account>:agent-alias/${settings.agentId}/${settings.aliasId}`,
  };
  return {
    label,
    async *invoke(invocation) {
      const input: InvokeAgentCommandInput = {
        agentId: settings.agentId,
        agentAliasId: settings.aliasId,
        sessionId: invocation.sessionId,
        enableTrace: true,
        streamingConfigurations: { streamFinalResponse: true },
        sessionState: {
          sessionAttributes: invocation.sessionAttributes,
          ...(invocation.results
            ? {
                invocationId: invocation.results.invocationId,
                returnControlInvocationResults: invocation.results.results.map(toInvocationResult),
              }
            : {}),
        },
        ...(invocation.inputText ? { inputText: invocation.inputText } : {}),
      };
      try {
        const response = await client.send(new InvokeAgentCommand(input), {
          abortSignal: invocation.abortSignal,
        });
        for await (const event of response.completion ?? []) yield* mapEvent(event);
      } catch (error) {
        if (invocation.abortSignal.aborted) throw error;
        if (invocation.results && isValidationError(error)) {
          // The agent keeps a handed-back invocation only while its session lives (idleSessionTTLInSeconds).
          throw new ConflictError(
            `${target.what} no longer waits for the results of invocation ${invocation.results.invocationId}: its session ended (it was idle too long) or the results were sent already. Ask again to start a new turn.`,
            { cause: error },
          );
        }
        throw translateBedrockServiceError(error, target);
      }
    },
  };
}

function* mapEvent(event: ResponseStream): Generator<ManagedAgentEvent> {
  if (event.chunk) {
    const delta = new TextDecoder().decode(event.chunk.bytes ?? new Uint8Array());
    const citations = (event.chunk.attribution?.citations ?? []).map((citation) => ({
      text: citation.generatedResponsePart?.textResponsePart?.text ?? '',
      passages: (citation.retrievedReferences ?? []).map((reference) => referenceToHit(reference, '')),
    }));
    if (delta || citations.length > 0) yield { type: 'text', delta, citations };
    return;
  }
  if (event.trace?.trace) {
    yield* mapTrace(event.trace.trace);
    return;
  }
  if (event.returnControl) {
    const invocationId = event.returnControl.invocationId ?? '';
    yield {
      type: 'return-control',
      invocationId,
      calls: (event.returnControl.invocationInputs ?? []).flatMap((member, index) =>
        toCall(member, `${invocationId}:${index}`),
      ),
    };
  }
}

function* mapTrace(trace: Trace): Generator<ManagedAgentEvent> {
  const guardrail = trace.guardrailTrace;
  if (guardrail?.action === 'INTERVENED') {
    const assessments = guardrail.inputAssessments ?? guardrail.outputAssessments ?? [];
    yield {
      type: 'guardrail',
      guardrail: 'attached to the agent',
      source: guardrail.inputAssessments?.length ? 'input' : 'output',
      policies: assessments.flatMap(describeAssessment),
    };
    return;
  }
  const orchestration = trace.orchestrationTrace;
  if (!orchestration) return;
  const usage = orchestration.modelInvocationOutput?.metadata?.usage;
  if (usage) {
    yield { type: 'usage', inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
  }
  const invocation = orchestration.invocationInput;
  const action = invocation?.actionGroupInvocationInput;
  // A call the agent returns to the caller also appears here; it is recorded from the returnControl event.
  if (invocation?.traceId && action && action.executionType !== 'RETURN_CONTROL') {
    const operation =
      action.function ?? `${(action.verb ?? '').toUpperCase()} ${action.apiPath ?? ''}`.trim();
    yield {
      type: 'step-start',
      id: invocation.traceId,
      name: `${action.actionGroupName ?? 'action group'}: ${operation}`,
      input: {
        ...namedValues(action.parameters ?? []),
        ...(action.requestBody?.content
          ? { body: namedValues(Object.values(action.requestBody.content).flat()) }
          : {}),
      },
    };
  }
  const lookup = invocation?.knowledgeBaseLookupInput;
  if (invocation?.traceId && lookup) {
    yield {
      type: 'step-start',
      id: invocation.traceId,
      name: `knowledge base ${lookup.knowledgeBaseId ?? ''}`.trim(),
      input: { query: lookup.text ?? '' },
    };
  }
  const observation = orchestration.observation;
  if (observation?.traceId && observation.actionGroupInvocationOutput) {
    yield {
      type: 'step-end',
      id: observation.traceId,
      output: parseText(observation.actionGroupInvocationOutput.text),
    };
  }
  if (observation?.traceId && observation.knowledgeBaseLookupOutput) {
    const passages = (observation.knowledgeBaseLookupOutput.retrievedReferences ?? []).map((reference) =>
      referenceToHit(reference, ''),
    );
    yield {
      type: 'step-end',
      id: observation.traceId,
      output: passages.map((passage) => ({ source: passage.source, text: passage.text })),
      passages,
    };
  }
}

function toCall(member: InvocationInputMember, id: string): ManagedAgentCall[] {
  const api = member.apiInvocationInput;
  if (api) {
    const body = api.requestBody?.content
      ? Object.values(api.requestBody.content).flatMap((content) => content.properties ?? [])
      : [];
    return [
      {
        id,
        actionGroup: api.actionGroup ?? '',
        operation: { kind: 'api', method: (api.httpMethod ?? 'GET').toUpperCase(), path: api.apiPath ?? '/' },
        input: {
          ...namedValues(api.parameters ?? []),
          ...(body.length > 0 ? { body: namedValues(body) } : {}),
        },
      },
    ];
  }
  const fn = member.functionInvocationInput;
  if (fn) {
    return [
      {
        id,
        actionGroup: fn.actionGroup ?? '',
        operation: { kind: 'function', name: fn.function ?? '' },
        input: namedValues(fn.parameters ?? []),
      },
    ];
  }
  return [];
}

/**
 * A call's result as the agent takes it back. A failed or denied call is sent with `REPROMPT`, so the
 * agent's model reads what went wrong and answers about it (`FAILURE` would end the invocation with a
 * DependencyFailedException); the user's decision on an approved or denied call is its `confirmationState`.
 */
function toInvocationResult(result: ManagedAgentCallResult): InvocationResultMember {
  const body = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
  const { call } = result;
  const refused = result.failed || result.confirmation === 'denied';
  const state = {
    ...(refused ? { responseState: 'REPROMPT' as const } : {}),
    ...(result.confirmation
      ? { confirmationState: result.confirmation === 'approved' ? ('CONFIRM' as const) : ('DENY' as const) }
      : {}),
  };
  if (call.operation.kind === 'api') {
    return {
      apiResult: {
        actionGroup: call.actionGroup,
        apiPath: call.operation.path,
        httpMethod: call.operation.method,
        httpStatusCode: result.confirmation === 'denied' ? 403 : result.failed ? 500 : 200,
        responseBody: { 'application/json': { body } },
        ...state,
      },
    };
  }
  return {
    functionResult: {
      actionGroup: call.actionGroup,
      function: call.operation.name,
      responseBody: { TEXT: { body } },
      ...state,
    },
  };
}

/** `[{ name, type, value }]` (values are text) as an object with typed values. */
function namedValues(
  parameters: ReadonlyArray<{
    name?: string | undefined;
    type?: string | undefined;
    value?: string | undefined;
  }>,
): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const parameter of parameters) {
    if (!parameter.name) continue;
    values[parameter.name] = typedValue(parameter.value ?? '', parameter.type ?? 'string');
  }
  return values;
}

function typedValue(value: string, type: string): JsonValue {
  switch (type.toLowerCase()) {
    case 'integer':
    case 'number': {
      const number = Number(value);
      return Number.isFinite(number) && value.trim() !== '' ? number : value;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'array':
    case 'object':
      return parseText(value);
    default:
      return value;
  }
}

function isValidationError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ValidationException';
}

function parseText(text: string | undefined): JsonValue {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
