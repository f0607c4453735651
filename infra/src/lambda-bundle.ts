/**
 * Bundles a Lambda entry point of the server with esbuild: ESM with code splitting, so the adapters and
 * file parsers that the composition root imports lazily become separate chunks, loaded only when used.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The repository root (the server package), seen from infra/src. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Entry points of the Lambda functions, relative to the repository root. */
export const LAMBDA_ENTRIES = {
  api: 'src/runtime/lambda.ts',
  ingest: 'src/runtime/ingest-lambda.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/**
 * Left out of every bundle: the Chroma client serves `godwit migrate` from a laptop. A configuration
 * that needs it fails at start with the module's name. PGlite's JavaScript is bundled (the PostgreSQL
 * adapter imports it), but not its WebAssembly files: the embedded database is for laptops, never
 * the store on Lambda.
 */
export const EXTERNAL_MODULES = ['chromadb', 'chromadb-js-bindings-*'];

export interface BundleResult {
  outdir: string;
  /** The file Lambda loads (`index.mjs`). */
  entryFile: string;
  /** Bytes of every file in the bundle. */
  totalBytes: number;
  /** Bytes of the entry file alone (what the init phase parses before the first request). */
  entryBytes: number;
  files: number;
}

/**
 * @example
 * const result = bundleLambda('api', '/tmp/godwit-api'); // → /tmp/godwit-api/index.mjs
 */
export async function bundleLambda(name: LambdaName, outdir: string): Promise<BundleResult> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { index: join(REPOSITORY_ROOT, LAMBDA_ENTRIES[name]) },
    absWorkingDir: REPOSITORY_ROOT,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL_MODULES,
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __godwitCreateRequire } from 'node:module'; const require = __godwitCreateRequire(import.meta.url);",
    },
    plugins: [inlinePackageVersion()],
    logLevel: 'error',
  });
  const sizes = listFiles(outdir).map((file) => statSync(file).size);
  const entryFile = join(outdir, 'index.mjs');
  return {
    outdir,
    entryFile,
    totalBytes: sizes.reduce((sum, size) => sum + size, 0),
    entryBytes: statSync(entryFile).size,
    files: sizes.length,
  };
}

/**
 * src/config/version.ts reads package.json beside the sources at run time; a bundle has no such file, so
 * the version is written into the bundle instead.
 */
function inlinePackageVersion(): Plugin {
  const { version } = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    name: 'godwit-inline-version',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]src[\\/]config[\\/]version\.ts$/ }, () => ({
        contents: `export const VERSION = ${JSON.stringify(version)};`,
        loader: 'ts',
      }));
    },
  };
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}
