/** Checks, before a server starts, that callers will be able to authenticate against it. */
import { apiKeyStatus } from '../../core/auth/index.ts';
import { ConfigError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../../core/ports.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import type { AuthSettings } from './auth-settings.ts';

const CREATE_FIRST_KEY = 'godwit keys create --name admin --role admin';

/**
 * Throws ConfigError naming the fix when auth is required but nobody could get in: no method enabled,
 * or only API keys on an embedded database that has none (keys cannot be added to it while it is served).
 */
export async function checkAuthReadiness(
  settings: AuthSettings,
  apiKeys: ApiKeyStore | undefined,
  options: { embeddedDatabase: boolean; now?: Date },
): Promise<void> {
  if (settings.mode !== 'required' || settings.jwt) return;
  if (!settings.apiKeys || !apiKeys) {
    throw new ConfigError(
      'Authentication is required but no way to authenticate is enabled. Enable API keys (GODWIT_AUTH__API_KEYS__ENABLED=true) or configure JWTs (GODWIT_AUTH__JWT__ISSUER and GODWIT_AUTH__JWT__AUDIENCE). See docs/AUTH.md.',
    );
  }
  if (!options.embeddedDatabase) return;
  const now = options.now ?? new Date();
  const keys = await apiKeys.listApiKeys(DEFAULT_TENANT);
  if (!keys.some((key) => key.role === 'admin' && apiKeyStatus(key, now) === 'active')) {
    throw new ConfigError(
      `Authentication is required, but the embedded database has no active admin API key in tenant "${DEFAULT_TENANT}", and none can be added while the server holds it. Stop here, run \`${CREATE_FIRST_KEY}\`, store the secret, then start the server again (or configure JWTs; see docs/AUTH.md).`,
    );
  }
}
