#!/usr/bin/env node
// Entry point of the `godwit` command: runs the compiled JavaScript in dist/ (built by `npm run build`, which
// `npm install` runs through `prepare`). A source checkout without dist/ falls back to compiling the
// TypeScript sources at run time through tsx, which works but costs seconds on every start.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/build.json', import.meta.url);
let main;
if (existsSync(compiled)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  process.stderr.write(
    'godwit: dist/ is missing, so the TypeScript sources are compiled on every start (slow). Run `npm run build` once to fix this.\n',
  );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
