/**
 * `/mcp`: Godwit as an MCP server over streamable HTTP (stateless: JSON-RPC over POST, no sessions), behind
 * the same authentication as /api. The MCP SDK is loaded on the first request, so other routes do not pay
 * for it at start-up.
 */
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp, ResolvedAppOptions } from '../app-env.ts';
import { callerOf } from '../middleware/auth.ts';
import { jsonBody } from '../middleware/body-limits.ts';

export function registerMcpRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: Pick<ResolvedAppOptions, 'maxBodyBytes'>,
): void {
  app.post('/mcp', jsonBody(options.maxBodyBytes), async (c) => {
    const { handleMcpRequest } = await import('./godwit-mcp-server.ts');
    return handleMcpRequest(c.req.raw, await c.req.json(), services, {
      tenantId: c.var.tenantId,
      userId: c.var.userId,
      apiKeyId: callerOf(c).apiKeyId,
      signal: c.req.raw.signal,
    });
  });
  // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
  app.on(['GET', 'DELETE'], '/mcp', (c) =>
    c.json(
      {
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message: 'Method not allowed: this MCP server is stateless; send requests with POST.',
        },
        id: null,
      },
      405,
      { allow: 'POST' },
    ),
  );
}
