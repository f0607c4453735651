#!/usr/bin/env node
/**
 * Compiles the server and CLI sources (src/**\/*.ts, tests left out) to JavaScript in dist/, one file per
 * source file at the same depth, so paths resolved from `import.meta.url` (package.json, examples/handbook,
 * web/dist, infra/) land where they do from src/. Packages stay imports of node_modules. Then the `godwit`
 * command's bundle is built from those files into dist/bundle/ (scripts/bundle-command.mjs).
 *
 *   node scripts/build-server.mjs        (run by `npm run build` and at `prepare`)
 *
 * Plain JavaScript on purpose: it must run on a fresh clone before anything is compiled.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'src');
const OUT = join(ROOT, 'dist');

function listSources(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every import stays an import: relative ones are pointed at the compiled `.js` file beside this one. */
const keepImports = {
  name: 'godwit-keep-imports',
  setup(plugin) {
    plugin.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const isRelative = args.path.startsWith('./') || args.path.startsWith('../');
      return { path: isRelative ? args.path.replace(/\.ts$/, '.js') : args.path, external: true };
    });
  },
};

const startedAt = performance.now();
const entryPoints = listSources(SOURCE);
// Everything but the PGlite template goes: rebuilding that takes seconds, and it is rebuilt below only when
// the PGlite version or the migrations changed.
const TEMPLATE = 'pglite-template';
if (existsSync(OUT)) {
  for (const name of readdirSync(OUT)) {
    if (name !== TEMPLATE) rmSync(join(OUT, name), { recursive: true, force: true });
  }
}
await build({
  entryPoints,
  outdir: OUT,
  outbase: SOURCE,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: 'linked',
  plugins: [keepImports],
  logLevel: 'warning',
});
// A new embedded data dir starts as a copy of this (src/storage/postgres/pglite-template.ts).
const { buildPgliteTemplate } = await import('../dist/storage/postgres/build-pglite-template.js');
const templateStartedAt = performance.now();
if (await buildPgliteTemplate()) {
  const templateSeconds = ((performance.now() - templateStartedAt) / 1000).toFixed(1);
  console.error(
    `Built the PGlite template for new data dirs in ${relative(ROOT, OUT)}/${TEMPLATE}/ in ${templateSeconds} s.`,
  );
}
// The godwit command's bundle (scripts/bundle-command.mjs), from the files just compiled.
const { bundleCommand } = await import('./bundle-command.mjs');
await bundleCommand();
// Marks the build so bin/godwit.js can tell a compiled tree from a half-written one.
writeFileSync(join(OUT, 'build.json'), `${JSON.stringify({ files: entryPoints.length }, null, 2)}\n`);
const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
console.error(
  `Compiled ${entryPoints.length} files from ${relative(ROOT, SOURCE)}/ to ${relative(ROOT, OUT)}/ in ${seconds} s.`,
);
