/**
 * Third-party keys live in Secrets Manager. The stack names each one in a `<VARIABLE>_SECRET_ARN`
 * variable and adds the AWS Parameters and Secrets Lambda Extension, which serves secrets on localhost
 * with its own cache; this reads them once, at start, into the environment given to the server.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
 */
import { ConfigError, DependencyError } from '../../core/errors.ts';

const SUFFIX = '_SECRET_ARN';
const DEFAULT_PORT = '2773';

/**
 * The environment with every `<NAME>_SECRET_ARN` resolved into `<NAME>`. A variable already set wins,
 * so a value given directly is never overwritten.
 *
 * @example
 * // OPENAI_API_KEY_SECRET_ARN=arn:aws:secretsmanager:… → OPENAI_API_KEY=sk-…
 * const env = await resolveSecretEnvironment(process.env);
 */
export async function resolveSecretEnvironment(
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<Record<string, string | undefined>> {
  const wanted = Object.entries(env).filter(
    ([name, value]) => name.endsWith(SUFFIX) && value && !env[name.slice(0, -SUFFIX.length)],
  );
  if (wanted.length === 0) return env;
  const token = env.AWS_SESSION_TOKEN;
  if (!token) {
    throw new ConfigError(
      `${wanted.map(([name]) => name).join(', ')} name secrets, but AWS_SESSION_TOKEN is not set: secrets are read through the Lambda extension, which only runs on AWS Lambda.`,
    );
  }
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? DEFAULT_PORT;
  const resolved = { ...env };
  for (const [variable, arn] of wanted) {
    const name = variable.slice(0, -SUFFIX.length);
    const url = `http://127.0.0.1:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn!)}`;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers: { 'X-Aws-Parameters-Secrets-Token': token } });
    } catch (error) {
      throw new DependencyError(`Cannot reach the Parameters and Secrets extension for ${name}.`, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new DependencyError(
        `Reading the secret for ${name} (${variable}) failed (HTTP ${response.status}); check that it has a value and the function may read it.`,
      );
    }
    const body = (await response.json()) as { SecretString?: string };
    if (!body.SecretString) {
      throw new ConfigError(
        `The secret for ${name} has no value yet: put one with aws secretsmanager put-secret-value.`,
      );
    }
    resolved[name] = body.SecretString;
  }
  return resolved;
}
