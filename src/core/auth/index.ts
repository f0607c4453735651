/** API keys: the secret format, issuing, checking and what may be shown of a key. */
export {
  API_KEY_MARKER,
  apiKeyPrefix,
  generateApiKeySecret,
  hashApiKeySecret,
  hashesMatch,
  looksLikeApiKey,
} from './api-key-secret.ts';
export {
  type ApiKeyStatus,
  type ApiKeyView,
  apiKeyStatus,
  checkRole,
  checkTenantId,
  type IssueApiKeyInput,
  type IssueApiKeyOptions,
  type IssuedApiKey,
  issueApiKey,
  isTenantId,
  newApiKeyId,
  ROLES,
  SECRET_WARNING,
  toApiKeyView,
  verifyApiKey,
} from './api-keys.ts';
export { parseExpiry } from './parse-expiry.ts';
