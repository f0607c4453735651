/**
 * What keeps a loopback server without authentication to itself. A browser is the way in: any page can
 * make it send requests to 127.0.0.1, so (1) only this server's own host names are served, which defeats
 * DNS rebinding (a page whose name starts resolving to 127.0.0.1 still sends its own name as Host), and
 * (2) state-changing requests from another origin are refused, form posts and multipart included. Requests
 * without an Origin header (curl, the CLI, SDKs) are not from a page and keep working.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, LoopbackGuardSettings } from '../app-env.ts';
import { errorBody } from '../http-errors.ts';

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface HostPort {
  name: string;
  port: number | undefined;
}

/** `Example.COM.:8787` → { name: 'example.com', port: 8787 }; `[::1]` keeps its brackets. */
function parseHost(text: string): HostPort | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(text.trim().toLowerCase());
  if (!match?.[1]) return undefined;
  return { name: match[1].replace(/\.$/, ''), port: match[2] === undefined ? undefined : Number(match[2]) };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The port the request arrived on, when the Node server tells us (not for in-process `app.request`). */
function localPort(c: Context<AppEnv>): number | undefined {
  const env = c.env as { incoming?: { socket?: { localPort?: number } } } | undefined;
  return env?.incoming?.socket?.localPort;
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function refuse(c: Context<AppEnv>, status: 403 | 421, code: string, message: string): Response {
  return c.json(errorBody(code, message), status);
}

/**
 * Builds the guard once from its settings. Install it only where authentication is off.
 *
 * @example
 *   app.use('*', loopbackGuard({ bindHost: '127.0.0.1', allowedOrigins: ['http://localhost:5173'] }));
 */
export type { LoopbackGuardSettings };

export function loopbackGuard(settings: LoopbackGuardSettings): MiddlewareHandler<AppEnv> {
  const entries = [...DEFAULT_HOSTS, bracketed(settings.bindHost), ...(settings.allowedHosts ?? [])]
    .map(parseHost)
    .filter((entry): entry is HostPort => entry !== undefined);
  const allowedOrigins = new Set((settings.allowedOrigins ?? []).map(normalizeOrigin));

  const hostAllowed = (host: HostPort, port: number | undefined): boolean =>
    entries.some((entry) => {
      if (entry.name !== host.name) return false;
      // A Host without a port means the scheme's default; unknown local port (in-process) matches any.
      const requested = host.port ?? 80;
      if (entry.port !== undefined) return entry.port === requested;
      return port === undefined || port === requested;
    });

  // Clients send the same Host on every request: the last one read is kept (parseHost has no side effects).
  let lastHeader: string | undefined;
  let lastHost: HostPort | undefined;
  const hostOf = (header: string): HostPort | undefined => {
    if (header !== lastHeader) {
      lastHost = parseHost(header);
      lastHeader = header;
    }
    return lastHost;
  };

  return async (c, next) => {
    const hostHeader = c.req.header('host') ?? new URL(c.req.url).host;
    const host = hostOf(hostHeader);
    if (!host || !hostAllowed(host, localPort(c))) {
      return refuse(
        c,
        421,
        'misdirected_request',
        `This server does not answer to the host name "${hostHeader.slice(0, 100)}". With authentication off it serves only its own names (localhost, 127.0.0.1, [::1] and ${settings.bindHost} on its port), so that no other site can reach it through DNS rebinding. To serve another name, add it to server.allowedHosts (GODWIT_SERVER__ALLOWED_HOSTS).`,
      );
    }
    if (!STATE_CHANGING.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    const fromAllowedOrigin = origin !== undefined && allowedOrigins.has(normalizeOrigin(origin));
    const ownHost = hostHeader.trim().toLowerCase();
    const ownOrigin =
      origin !== undefined && [`http://${ownHost}`, `https://${ownHost}`].includes(normalizeOrigin(origin));
    const crossSite = c.req.header('sec-fetch-site')?.toLowerCase() === 'cross-site';
    if (fromAllowedOrigin || (origin === undefined ? !crossSite : ownOrigin && !crossSite)) return next();
    const from =
      origin === undefined
        ? 'another site (Sec-Fetch-Site: cross-site)'
        : `the origin ${origin.slice(0, 100)}`;
    return refuse(
      c,
      403,
      'forbidden',
      `Refused a ${c.req.method} request from ${from}: with authentication off, only pages served by this server (and clients that send no Origin, such as curl and the CLI) may change data here. To let another web app do it, add its origin to server.allowedOrigins (GODWIT_SERVER__ALLOWED_ORIGINS).`,
    );
  };
}
