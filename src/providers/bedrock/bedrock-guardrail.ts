/**
 * A Bedrock guardrail (id + version) for the guardrail middleware: `ApplyGuardrail` through
 * `@aws-sdk/client-bedrock-runtime` for models of other providers, and the reading of a Converse trace for
 * Bedrock models. AWS errors become GodwitErrors that name the guardrail, the config key and the fix.
 */
import { ApplyGuardrailCommand, BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { Guardrail } from '../guardrails/guardrail-middleware.ts';
import { type AwsClientSettings, awsClientConfig } from './aws-client-settings.ts';
import { describeAssessment } from './guardrail-assessments.ts';
import { translateBedrockServiceError } from './translate-bedrock-service-error.ts';

export interface BedrockGuardrailSettings extends AwsClientSettings {
  id: string;
  version: string;
  outputCheckChars: number;
  /** The config key, named in errors: `guardrail` or `assistants.support.guardrail`. */
  key: string;
  client?: BedrockRuntimeClient;
}

/**
 * @example createBedrockGuardrail({ id: 'gr-123', version: '1', outputCheckChars: 600, key: 'guardrail', env: process.env })
 */
export function createBedrockGuardrail(settings: BedrockGuardrailSettings): Guardrail {
  const config = awsClientConfig(settings, 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', `${settings.key}.region`);
  let client = settings.client;
  const label = `${settings.id} (version ${settings.version})`;
  const target = {
    what: `Bedrock guardrail ${label} in ${config.region}`,
    key: settings.key,
    permission: `bedrock:ApplyGuardrail on arn:aws:bedrock:${config.region}:<account>:guardrail/${settings.id}`,
  };
  return {
    label,
    id: settings.id,
    version: settings.version,
    outputCheckChars: settings.outputCheckChars,
    async check(source, text, abortSignal) {
      client ??= new BedrockRuntimeClient(config);
      try {
        const response = await client.send(
          new ApplyGuardrailCommand({
            guardrailIdentifier: settings.id,
            guardrailVersion: settings.version,
            source: source === 'input' ? 'INPUT' : 'OUTPUT',
            content: [{ text: { text } }],
          }),
          abortSignal ? { abortSignal } : {},
        );
        if (response.action !== 'GUARDRAIL_INTERVENED') return { intervened: false, policies: [] };
        const replacement = response.outputs?.map((output) => output.text ?? '').join('\n');
        return {
          intervened: true,
          policies: (response.assessments ?? []).flatMap(describeAssessment),
          ...(replacement ? { replacement } : {}),
        };
      } catch (error) {
        if (abortSignal?.aborted) throw error;
        throw translateBedrockServiceError(error, target);
      }
    },
    describeTrace(trace) {
      const guardrail = (trace as { guardrail?: Record<string, unknown> } | undefined)?.guardrail ?? {};
      const input = guardrail.inputAssessment as Record<string, object> | undefined;
      const output = guardrail.outputAssessments as Record<string, object[]> | undefined;
      if (input && Object.keys(input).length > 0) {
        return { source: 'input', policies: Object.values(input).flatMap(describeAssessment) };
      }
      return {
        source: 'output',
        policies: Object.values(output ?? {})
          .flat()
          .flatMap(describeAssessment),
      };
    },
  };
}
