/**
 * Bundles a Lambda entry point of the server with esbuild: ESM with code splitting, so the adapters and
 * file parsers that the composition root imports lazily become separate chunks, loaded only when used.
 * Minified, without source maps (they would double the package and are not read by the runtime).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

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
 * that needs it fails at start with the module's name. The embedded database (PGlite) is left out too,
 * by `leaveOutEmbeddedDatabase` below.
 */
export const EXTERNAL_MODULES = ['chromadb', 'chromadb-js-bindings-*'];

/**
 * What a Lambda whose configuration names no database, no Data API and no DynamoDB profile meets at start
 * (it would otherwise open PGlite in the function's temporary directory and lose it with the sandbox).
 */
export const EMBEDDED_DATABASE_MESSAGE =
  'The embedded database (PGlite) is not part of the Lambda bundle: set database.dataApi (Aurora through ' +
  'the RDS Data API), GODWIT_DATABASE_URL (PostgreSQL), or storage.conversations=dynamodb with ' +
  'storage.vectors=opensearch or s3vectors.';

export interface BundleResult {
  outdir: string;
  /** The file Lambda loads (`index.mjs`). */
  entryFile: string;
  /** Bytes of every file in the bundle. */
  totalBytes: number;
  /** Bytes of the entry file alone (what the init phase parses before the first request). */
  entryBytes: number;
  files: number;
  /** esbuild's account of which input went into which output file, with their sizes. */
  metafile: Metafile;
}

/**
 * @example
 * const result = bundleLambda('api', '/tmp/godwit-api'); // → /tmp/godwit-api/index.mjs
 */
export async function bundleLambda(name: LambdaName, outdir: string): Promise<BundleResult> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { metafile } = await build({
    entryPoints: { index: join(REPOSITORY_ROOT, LAMBDA_ENTRIES[name]) },
    absWorkingDir: REPOSITORY_ROOT,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // ES module builds first (as CDK's NodejsFunction does for ESM): the AWS SDK, Smithy and others ship
    // CommonJS under `main`, which esbuild cannot tree-shake.
    mainFields: ['module', 'main'],
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
    plugins: [inlinePackageVersion(), leaveOutEmbeddedDatabase(), onlyEnglishZodMessages()],
    metafile: true,
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
    metafile,
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

/**
 * The PostgreSQL adapter imports the PGlite client lazily; in a bundle that module becomes one that fails
 * with a ConfigError naming the settings to use instead, so PGlite (about 400 KB of JavaScript, plus its
 * WebAssembly) is not shipped.
 */
function leaveOutEmbeddedDatabase(): Plugin {
  return {
    name: 'godwit-leave-out-pglite',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]src[\\/]storage[\\/]postgres[\\/]pglite-client\.ts$/ }, (args) => ({
        contents: [
          "import { ConfigError } from '../../core/errors.ts';",
          'export async function openPgliteClient(): Promise<never> {',
          `  throw new ConfigError(${JSON.stringify(EMBEDDED_DATABASE_MESSAGE)});`,
          '}',
        ].join('\n'),
        loader: 'ts',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Zod re-exports its error messages in 63 languages as one namespace (`z.locales`), which the bundler
 * cannot trim once the `z` namespace is passed around; Godwit uses English (Zod's default) only. Saves
 * about 160 KB that the init phase would otherwise parse.
 */
function onlyEnglishZodMessages(): Plugin {
  return {
    name: 'godwit-zod-english',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
        contents: 'export { default as en } from "./en.js";',
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}
