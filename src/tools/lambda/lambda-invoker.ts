/** The AWS SDK side of Lambda tools: synchronous Invoke (RequestResponse), vendor errors translated. */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { ToolError } from '../../core/agent/tool-error.ts';
import type { LambdaInvoke } from './lambda-tools.ts';

export function createLambdaInvoke(settings: { region?: string; endpoint?: string }): LambdaInvoke {
  const client = new LambdaClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 1,
  });
  return async (functionName, payload, signal) => {
    let output: InvokeCommandOutput;
    try {
      output = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const name = (error as { name?: string }).name ?? 'Error';
      throw new ToolError(`Invoking Lambda function "${functionName}" failed (${name}).`, { cause: error });
    }
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : 'null';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ToolError(`Lambda function "${functionName}" returned a payload that is not JSON.`);
    }
    if (output.FunctionError) {
      const message = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
      return { payload: parsed, functionError: typeof message === 'string' ? message : output.FunctionError };
    }
    return { payload: parsed };
  };
}
