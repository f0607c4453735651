/**
 * Third-party keys live in Secrets Manager. The stack lists them in one variable, `GODWIT_SECRET_ARNS`,
 * a JSON object from the variable each secret provides to its ARN
 * (`{"OPENAI_API_KEY":"arn:aws:secretsmanager:…"}`), and adds the AWS Parameters and Secrets Lambda
 * Extension, which serves secrets on localhost with its own cache; this reads them once, at start, into
 * the environment given to the server.
 *
 * Only that list is resolved: a variable whose name merely ends in `_SECRET_ARN` (such as
 * GODWIT_DATABASE__DATA_API__SECRET_ARN, which the RDS Data API takes as an ARN) is an ordinary value.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
 */
import { ConfigError, DependencyError } from '../../core/errors.ts';

/** The variable that lists the secrets to read: a JSON object, variable name → Secrets Manager ARN. */
export const SECRET_ARNS_VARIABLE = 'GODWIT_SECRET_ARNS';
const DEFAULT_PORT = '2773';
const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The environment with every secret listed in GODWIT_SECRET_ARNS read into its variable. A variable
 * already set wins, so a value given directly is never overwritten. Everything else passes through as is.
 *
 * @example
 * // GODWIT_SECRET_ARNS={"OPENAI_API_KEY":"arn:aws:secretsmanager:…"} → OPENAI_API_KEY=sk-…
 * const env = await resolveSecretEnvironment(process.env);
 */
export async function resolveSecretEnvironment(
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<Record<string, string | undefined>> {
  const wanted = Object.entries(parseSecretArns(env[SECRET_ARNS_VARIABLE])).filter(([name]) => !env[name]);
  if (wanted.length === 0) return env;
  const token = env.AWS_SESSION_TOKEN;
  if (!token) {
    throw new ConfigError(
      `${SECRET_ARNS_VARIABLE} names secrets for ${wanted.map(([name]) => name).join(', ')}, but AWS_SESSION_TOKEN is not set: secrets are read through the Lambda extension, which only runs on AWS Lambda.`,
    );
  }
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? DEFAULT_PORT;
  const resolved = { ...env };
  for (const [name, arn] of wanted) {
    resolved[name] = await readSecret(name, arn, { port, token, fetchImpl });
  }
  return resolved;
}

/**
 * The list in GODWIT_SECRET_ARNS; an absent or empty variable lists nothing.
 *
 * @example
 * parseSecretArns('{"OPENAI_API_KEY":"arn:aws:secretsmanager:eu-west-1:1:secret:k"}')
 */
export function parseSecretArns(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `${SECRET_ARNS_VARIABLE} is not valid JSON: give an object from variable name to secret ARN, e.g. {"OPENAI_API_KEY":"arn:aws:secretsmanager:…"}.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `${SECRET_ARNS_VARIABLE} must be a JSON object from variable name to secret ARN, e.g. {"OPENAI_API_KEY":"arn:aws:secretsmanager:…"}.`,
    );
  }
  for (const [name, arn] of Object.entries(parsed)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new ConfigError(
        `${SECRET_ARNS_VARIABLE} names "${name}", which is not an environment variable name (upper case letters, digits and _).`,
      );
    }
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
      throw new ConfigError(
        `${SECRET_ARNS_VARIABLE}: the value for ${name} must be a Secrets Manager ARN (arn:aws:secretsmanager:…).`,
      );
    }
  }
  return parsed as Record<string, string>;
}

async function readSecret(
  name: string,
  arn: string,
  extension: { port: string; token: string; fetchImpl: typeof fetch },
): Promise<string> {
  const url = `http://127.0.0.1:${extension.port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`;
  let response: Response;
  try {
    response = await extension.fetchImpl(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': extension.token },
    });
  } catch (error) {
    throw new DependencyError(`Cannot reach the Parameters and Secrets extension for ${name}.`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new DependencyError(
      `Reading the secret for ${name} (${arn}) failed (HTTP ${response.status}); check that it has a value and the function may read it.`,
    );
  }
  const body = (await response.json()) as { SecretString?: string };
  if (!body.SecretString) {
    throw new ConfigError(
      `The secret for ${name} has no value yet: put one with aws secretsmanager put-secret-value.`,
    );
  }
  return body.SecretString;
}
