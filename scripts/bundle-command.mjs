#!/usr/bin/env node
/**
 * Bundles the `godwit` command for a faster start: dist/cli/main.js and what it imports become the chunks of
 * dist/bundle/, with the packages every start loads (the HTTP framework, zod, the AI SDK, the config and CLI
 * parsers) inside them. `serve` then opens about 80 JavaScript files instead of about 540; module loading
 * was about half of a restart (docs/decisions/2026-12-07-bundled-command.md). Every other package stays
 * an import of node_modules: PGlite and its WebAssembly, the file parsers and their assets, the AWS SDK,
 * native modules, and whatever is loaded only when used.
 *
 * Godwit's own code finds files next to itself through `import.meta.url` (package.json, web/dist, the
 * PGlite template, the sample, the parsing thread's entry, infra/). In the bundle, each module's
 * `import.meta.url` is rewritten to the address of its compiled file in dist/, which still exists, so
 * every such path resolves as it does unbundled.
 *
 *   node scripts/bundle-command.mjs      (run by scripts/build-server.mjs, after dist/ is compiled)
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const BUNDLE_DIRECTORY = join(DIST, 'bundle');

/**
 * Packages bundled in: the ones every start of `godwit` loads, and those given objects of a bundled one,
 * none of which reads files next to its own. A package not named here stays in node_modules.
 */
export const BUNDLED_PACKAGES = new Set([
  'hono',
  '@hono/node-server',
  '@hono/zod-openapi',
  '@hono/zod-validator',
  '@asteasolutions/zod-to-openapi',
  'openapi3-ts',
  'zod',
  'ai',
  '@ai-sdk/provider',
  '@ai-sdk/provider-utils',
  '@ai-sdk/gateway',
  '@vercel/oidc',
  '@opentelemetry/api',
  '@standard-schema/spec',
  'eventsource-parser',
  'yaml',
  'commander',
  'stemmer',
  '@fastify/busboy',
  // Takes Godwit's zod schemas (the /mcp tools' inputs): one zod for both.
  '@modelcontextprotocol/sdk',
]);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const choosePackages = {
  name: 'godwit-bundled-packages',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined;
      return BUNDLED_PACKAGES.has(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/** In Godwit's compiled modules, `import.meta.url` becomes the address of the module's file in dist/. */
const keepModuleAddresses = {
  name: 'godwit-module-addresses',
  setup(plugin) {
    // Matched by prefix, not by a pattern built from the path: an install path may hold `+` or `(`.
    plugin.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST + sep)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = relative(BUNDLE_DIRECTORY, args.path).split(sep).join('/');
      const address = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return {
        contents: source.replaceAll('import.meta.url', address),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

export async function bundleCommand() {
  rmSync(BUNDLE_DIRECTORY, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(DIST, 'cli', 'main.js') },
    outdir: BUNDLE_DIRECTORY,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    // Bundled CommonJS packages (commander, busboy) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __godwitCreateRequire } from 'node:module'; const require = __godwitCreateRequire(import.meta.url);",
    },
    plugins: [choosePackages, keepModuleAddresses],
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const startedAt = performance.now();
  await bundleCommand();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.error(`Bundled the godwit command into ${relative(ROOT, BUNDLE_DIRECTORY)}/ in ${seconds} s.`);
}
