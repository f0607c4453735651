/**
 * The web app: static files from `web/dist` (built by `npm run build`). Hashed assets under `/assets/` are
 * cached for a year; any other path that is not a file gets `index.html`, so the app's own routes
 * (`/knowledge`, `/usage`) survive a reload. API and operations paths are never answered here. When the
 * app is not built, `GET /` says how to build it.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import type { AppEnv, GodwitApp } from '../app-env.ts';

export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const RESERVED_PREFIXES = ['/api', '/v1', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Godwit: web app not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The web app is not built</h1>
<p>The API is running. To use the web app, build it once and reload this page:</p>
<pre style="background: #f3f3f3; padding: 0.75rem">npm run build</pre>
<p>(A fresh <code>npm install</code> builds it too.) The API reference is at <a href="/docs">/docs</a>.</p>
</body></html>`;

export interface WebRoutesOptions {
  /** Folder holding the built app (`index.html`, `assets/`). Default: `web/dist` of this package. */
  distDir?: string;
}

function isReserved(path: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file under `root` for a URL path, or null when the path escapes it or names no file. */
async function resolveFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = normalize(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return null;
  return (await isFile(candidate)) ? candidate : null;
}

async function sendFile(c: Context<AppEnv>, path: string, cacheControl: string): Promise<Response> {
  const bytes = await readFile(path);
  const headers = {
    'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  };
  if (c.req.method === 'HEAD')
    return c.body(null, 200, { ...headers, 'content-length': String(bytes.length) });
  return c.body(new Uint8Array(bytes), 200, headers);
}

/**
 * Registers the catch-all for the web app; call it after every other route.
 *
 * @example
 * registerWebRoutes(app); // serves web/dist
 * registerWebRoutes(app, { distDir: '/srv/godwit-web' });
 */
export function registerWebRoutes(app: GodwitApp, options: WebRoutesOptions = {}): void {
  const root = normalize(options.distDir ?? DEFAULT_WEB_DIST);
  const indexFile = join(root, 'index.html');

  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path;
    if (isReserved(path)) return next();
    if (!(await isFile(indexFile))) {
      if (path === '/' || path === '/index.html')
        return c.html(NOT_BUILT_PAGE, 503, { 'cache-control': REVALIDATE });
      return next();
    }
    const file = path === '/' ? null : await resolveFile(root, path);
    if (file) {
      const hashed = path.startsWith('/assets/');
      return sendFile(c, file, hashed ? IMMUTABLE : REVALIDATE);
    }
    // A missing asset (a file name with an extension) is a 404, not the app: a stale page must not get HTML.
    if (path.startsWith('/assets/') || extname(path) !== '') return next();
    return sendFile(c, indexFile, REVALIDATE);
  });
}
