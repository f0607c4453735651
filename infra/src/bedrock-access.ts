/**
 * Least-privilege Bedrock access: InvokeModel (and its streaming form, which Converse and ConverseStream
 * use) on exactly the configured models. A cross-region inference profile (`us.`, `eu.`, `apac.`,
 * `global.` prefix) needs the profile and the underlying model in every region the profile routes to;
 * the model statement is limited to calls made through that profile.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
 */
import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';

const PROFILE_PREFIX = /^(us|eu|apac|us-gov|ca|jp|au|global)\.(.+)$/;
const ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** `bedrock:us.anthropic.claude…` → `us.anthropic.claude…`; other providers → null. */
export function bedrockModelId(name: string): string | null {
  return name.startsWith('bedrock:') ? name.slice('bedrock:'.length) : null;
}

/** IAM statements allowing exactly these models (names as in config: `bedrock:<id>`). */
export function bedrockStatements(modelNames: readonly string[]): PolicyStatement[] {
  const ids = [...new Set(modelNames.map(bedrockModelId).filter((id): id is string => id !== null))];
  const direct: string[] = [];
  const statements: PolicyStatement[] = [];
  for (const id of ids) {
    if (id.startsWith('arn:')) {
      direct.push(id);
      continue;
    }
    const profile = PROFILE_PREFIX.exec(id);
    if (!profile) {
      direct.push(`arn:${Aws.PARTITION}:bedrock:${Aws.REGION}::foundation-model/${id}`);
      continue;
    }
    const profileArn = `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:inference-profile/${id}`;
    direct.push(profileArn);
    statements.push(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ACTIONS,
        // The profile picks the region at request time, so the model is allowed in any region…
        resources: [`arn:${Aws.PARTITION}:bedrock:*::foundation-model/${profile[2]}`],
        // …but only when the call comes through this profile.
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    );
  }
  if (direct.length > 0) {
    statements.unshift(new PolicyStatement({ effect: Effect.ALLOW, actions: ACTIONS, resources: direct }));
  }
  return statements;
}
