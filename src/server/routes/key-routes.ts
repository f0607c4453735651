/** API keys (admins only): list the tenant's keys, create one (its secret is in the response, once), revoke one. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  type ApiKeyView,
  issueApiKey,
  parseExpiry,
  SECRET_WARNING,
  toApiKeyView,
} from '../../core/auth/index.ts';
import { AuthError } from '../../core/errors.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { recordAudit } from '../audit.ts';
import type { Caller } from '../auth/caller.ts';
import { requireAdmin } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';
import { errorResponse, text } from '../schemas/common-schemas.ts';

const tags = ['keys'];

const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_3f9a1c0e5b7d2a64' }),
    tenantId: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'user']),
    prefix: z.string().openapi({
      description: 'The first characters of the secret, for telling keys apart.',
      example: 'gw_Zx81qPc',
    }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time' }),
    revokedAt: z.string().nullable().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('ApiKey', { description: 'An API key as it may be shown: never the secret or its hash.' });

const CreateApiKeySchema = z
  .object({
    name: text(100).openapi({ example: 'ci' }),
    role: z.enum(['admin', 'user']).default('user'),
    expires: z.string().optional().openapi({
      description: 'A duration (30d, 12h, 90m, 2w) or an ISO 8601 date; absent: never expires.',
      example: '90d',
    }),
    tenant: z.string().optional().openapi({
      description:
        "Must be the caller's own tenant when given; keys for other tenants are created with `godwit keys create --tenant` on the server's storage.",
    }),
  })
  .strict()
  .openapi('CreateApiKey');

const CreatedApiKeySchema = z
  .object({ key: ApiKeySchema, secret: z.string().openapi({ example: 'gw_Zx81qPc…' }), warning: z.string() })
  .openapi('CreatedApiKey');

const TenantQuerySchema = z.object({
  tenant: z
    .string()
    .optional()
    .openapi({ description: "Must be the caller's own tenant when given (a guard for scripts)." }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/keys',
  tags,
  summary: "The tenant's API keys, newest first, revoked and expired ones included (admin)",
  request: { query: TenantQuerySchema },
  responses: {
    200: {
      description: 'Every key of the tenant',
      content: { 'application/json': { schema: z.object({ keys: z.array(ApiKeySchema) }) } },
    },
    401: errorResponse('Missing or bad credentials'),
    403: errorResponse('The caller is not an admin'),
  },
});

function createKeyRoute(maxBodyBytes: number) {
  return createRoute({
    method: 'post',
    path: '/api/keys',
    tags,
    summary: 'Create an API key; the response holds its secret, shown this once (admin)',
    middleware: [jsonBody(maxBodyBytes)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeySchema } } } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: CreatedApiKeySchema } } },
      400: errorResponse('Bad name, role or expiry'),
      401: errorResponse('Missing or bad credentials'),
      403: errorResponse('The caller is not an admin, or named another tenant'),
    },
  });
}

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api/keys/{id}',
  tags,
  summary: 'Revoke an API key; it stops working at once (admin)',
  request: { params: z.object({ id: text(200) }), query: TenantQuerySchema },
  responses: {
    200: {
      description: 'The revoked key',
      content: { 'application/json': { schema: z.object({ key: ApiKeySchema }) } },
    },
    401: errorResponse('Missing or bad credentials'),
    403: errorResponse('The caller is not an admin'),
    404: errorResponse('No such key in the tenant'),
  },
});

/** Admins manage the keys of their own tenant only. */
function checkOwnTenant(caller: Caller, tenant: string | undefined): void {
  if (tenant === undefined || tenant === caller.tenantId) return;
  throw new AuthError(
    `Admins manage the keys of their own tenant (${caller.tenantId}), not of "${tenant}". Manage another tenant's keys with an admin key of that tenant, or with \`godwit keys … --tenant ${tenant}\` on the server's storage.`,
    { forbidden: true },
  );
}

function keyJson(view: ApiKeyView) {
  return {
    ...view,
    createdAt: view.createdAt.toISOString(),
    expiresAt: view.expiresAt?.toISOString() ?? null,
    revokedAt: view.revokedAt?.toISOString() ?? null,
    lastUsedAt: view.lastUsedAt?.toISOString() ?? null,
  };
}

export function registerKeyRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxBodyBytes: number; now?: () => Date },
): void {
  const now = options.now ?? (() => new Date());

  app.openapi(listRoute, async (c) => {
    const caller = requireAdmin(c, 'list API keys');
    checkOwnTenant(caller, c.req.valid('query').tenant);
    const keys = await services.apiKeys.listApiKeys(caller.tenantId);
    const at = now();
    return c.json({ keys: keys.map((key) => keyJson(toApiKeyView(key, at))) }, 200);
  });

  app.openapi(createKeyRoute(options.maxBodyBytes), async (c) => {
    const caller = requireAdmin(c, 'create API keys');
    const body = c.req.valid('json');
    checkOwnTenant(caller, body.tenant);
    const at = now();
    const { key, secret } = await issueApiKey(
      services.apiKeys,
      {
        tenantId: caller.tenantId,
        name: body.name,
        role: body.role,
        expiresAt: body.expires === undefined ? null : parseExpiry(body.expires, at, 'expires'),
      },
      { now: () => at },
    );
    await recordAudit(c, services, 'key.create', key.id, {
      name: key.name,
      keyRole: key.role,
      expiresAt: key.expiresAt?.toISOString() ?? null,
    });
    return c.json({ key: keyJson(toApiKeyView(key, at)), secret, warning: SECRET_WARNING }, 201);
  });

  app.openapi(revokeRoute, async (c) => {
    const caller = requireAdmin(c, 'revoke API keys');
    checkOwnTenant(caller, c.req.valid('query').tenant);
    const { id } = c.req.valid('param');
    const at = now();
    const key = await services.apiKeys.revokeApiKey(caller.tenantId, id, at);
    await recordAudit(c, services, 'key.revoke', key.id, { name: key.name });
    return c.json({ key: keyJson(toApiKeyView(key, at)) }, 200);
  });
}
