#!/usr/bin/env node
// Entry point of the `godwit` command: runs the compiled JavaScript in dist/ (built by `npm run build`, which
// `npm install` runs through `prepare`). A source checkout without dist/ falls back to compiling the
// TypeScript sources at run time through tsx, which works but costs seconds on every start.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// The embedded database (PGlite) is WebAssembly. V8 compiles it with its baseline compiler, then recompiles
// hot functions with its optimizing compiler on background threads. On a small machine that recompilation
// competes with the start for the cores, costs more CPU than it saves over the first minutes of database work
// and holds about 60 MiB. So the command runs baseline code only, unless GODWIT_WASM_OPTIMIZE=1
// (docs/decisions/2026-12-07-embedded-baseline-compiler.md). Set before anything compiles WebAssembly:
// NODE_OPTIONS cannot carry this V8 flag.
const optimize = process.env.GODWIT_WASM_OPTIMIZE ?? '';
if (optimize !== '' && optimize !== '0' && optimize !== '1') {
  process.stderr.write(
    `godwit: GODWIT_WASM_OPTIMIZE must be 1 (optimize the embedded database's hot code) or 0 (the default); got "${optimize}"\n`,
  );
  process.exit(2);
}
if (optimize !== '1') {
  // Node 20 and 22 honour --liftoff-only set at run time; Node 24's V8 does not, but never spends a tiering
  // budget this large, so the pair keeps baseline code on each.
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--wasm-tiering-budget=1000000000');
}

const compiled = new URL('../dist/build.json', import.meta.url);
let main;
if (existsSync(compiled)) {
  // The bundle (scripts/bundle-command.mjs) reads a few files where dist/cli/ reads hundreds; a dist/ built
  // before there was a bundle has dist/cli/ only.
  const bundled = new URL('../dist/bundle/main.js', import.meta.url);
  ({ main } = await import(existsSync(bundled) ? bundled.href : '../dist/cli/main.js'));
} else {
  process.stderr.write(
    'godwit: dist/ is missing, so the TypeScript sources are compiled on every start (slow). Run `npm run build` once to fix this.\n',
  );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
