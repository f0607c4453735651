/**
 * `GET /openapi.json` (generated from the same schemas that validate requests) and `GET /docs`, a Swagger
 * UI page whose scripts and styles come from the installed swagger-ui-dist package, so the docs work
 * offline and load nothing from a CDN. On AWS Lambda the package is not in the function bundle: the stack
 * puts the same files in the web app's bucket under `docs/assets/`, served by CloudFront beside the page.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GodwitServices } from '../../core/services.ts';
import type { GodwitApp } from '../app-env.ts';
import { errorBody } from '../http-errors.ts';

/** The Swagger UI files the page loads, by name in swagger-ui-dist, with their media types. */
export const DOCS_ASSET_TYPES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// Relative URLs keep the page working when the app is mounted under a prefix (an API Gateway stage).
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Godwit API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="docs/assets/godwit-docs.js"></script>
</body>
</html>
`;

/** The page's own script, served as `docs/assets/godwit-docs.js`. */
export const DOCS_SCRIPT_FILE = 'godwit-docs.js';

// A separate file rather than an inline script, so a strict Content-Security-Policy can allow it.
export const DOCS_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', document.baseURI).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
});
`;

/** Where the installed swagger-ui-dist package is; throws when it is not installed (a Lambda bundle). */
export function swaggerUiDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** Reads each asset once, on first request; later requests are served from memory. */
function assetReader(): (name: string) => Promise<Uint8Array<ArrayBuffer>> {
  const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  let directory: string | undefined;
  return (name) => {
    let bytes = cache.get(name);
    if (!bytes) {
      directory ??= swaggerUiDirectory();
      bytes = readFile(join(directory, name)).then((buffer) => new Uint8Array(buffer));
      // A failed read is retried next time instead of being cached.
      bytes.catch(() => cache.delete(name));
      cache.set(name, bytes);
    }
    return bytes;
  };
}

export function registerDocsRoutes(app: GodwitApp, services: GodwitServices): void {
  // When auth is on (any non-loopback server, every deployment), /api and /v1 take either credential;
  // /healthz, /readyz, /openapi.json and /docs stay open (docs/AUTH.md).
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'A Godwit API key (`gw_…`, from `godwit keys create` or `POST /api/keys`).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A Godwit API key, or a JWT from the configured OIDC issuer (for example Cognito).',
  });
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Godwit API',
      version: services.version,
      description:
        'Chat, retrieval with citations and knowledge bases. Errors are `{ "error": { "code", "message", "details"? } }`. With authentication on, `/api` and `/v1` need an API key (`x-api-key` or `Authorization: Bearer`) or a JWT; `/healthz`, `/readyz`, `/openapi.json` and `/docs` are open.',
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  });

  app.get('/docs', (c) => c.html(DOCS_PAGE));

  const readAsset = assetReader();
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const cacheControl = { 'cache-control': 'public, max-age=86400' };
    if (file === DOCS_SCRIPT_FILE)
      return c.body(DOCS_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' });
    const type = DOCS_ASSET_TYPES[file];
    if (!type) return c.json(errorBody('not_found', `No documentation asset named "${file}".`), 404);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readAsset(file);
    } catch {
      // The Lambda bundle leaves swagger-ui-dist out; CloudFront serves these files from the web app bucket.
      return c.json(
        errorBody(
          'not_found',
          `Swagger UI's "${file}" is not installed with this server. On AWS, open /docs at the web app's URL (stack output WebAppUrl), which serves these files; elsewhere, install the swagger-ui-dist package.`,
        ),
        404,
      );
    }
    return c.body(bytes, 200, { 'content-type': type, ...cacheControl });
  });
}
