/** Who is calling: set on every /api and /v1 request by the auth middleware, read by handlers. */
import type { Role } from '../../core/types.ts';

export type AuthMethod = 'api-key' | 'jwt' | 'none';

export interface Caller {
  tenantId: string;
  userId: string;
  role: Role;
  /** The API key that authenticated the request; null for a JWT or an unauthenticated local call. */
  apiKeyId: string | null;
  method: AuthMethod;
}
