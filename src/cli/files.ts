/**
 * What `godwit ingest` reads: a file, a folder (recursively; hidden entries and unsupported extensions are
 * listed as skipped), or an http(s) URL.
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { type UrlGuard, UrlRefusedError } from '../net/index.ts';

export interface InputFile {
  source: string;
  read(): Promise<{ bytes: Uint8Array; mimeType?: string }>;
}

export interface CollectedInput {
  files: InputFile[];
  /** Files not offered to the parser, with the reason. */
  skipped: Array<{ source: string; reason: string }>;
}

/**
 * @param urlGuard fetches an http(s) target: internal addresses refused unless allowed, redirects
 *   checked, the download bounded in time and size (see src/net).
 */
export async function collectInput(
  target: string,
  supportedExtensions: readonly string[],
  urlGuard: UrlGuard,
): Promise<CollectedInput> {
  if (/^https?:\/\//i.test(target)) return { files: [await urlFile(target, urlGuard)], skipped: [] };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new ValidationError(
      `Cannot ingest ${target}: supported inputs are a file, a folder, or an http(s) URL.`,
    );
  }
  const path = resolve(target);
  const info = await stat(path).catch(() => {
    throw new NotFoundError(`${target} does not exist. Give a file, a folder or a URL to ingest.`);
  });
  if (info.isFile()) return { files: [localFile(path, basename(path))], skipped: [] };
  const collected: CollectedInput = { files: [], skipped: [] };
  await walk(path, path, supportedExtensions, collected);
  collected.files.sort((left, right) => left.source.localeCompare(right.source));
  return collected;
}

async function walk(root: string, directory: string, extensions: readonly string[], into: CollectedInput) {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    const source = relative(root, path).split('\\').join('/');
    const supported = extensions.includes(extname(entry.name).toLowerCase());
    if (entry.isDirectory()) await walk(root, path, extensions, into);
    // A link named like a supported file is read through; one that leads nowhere fails alone, when read.
    // Links to folders are not followed, so a link back up the tree cannot loop.
    else if (entry.isSymbolicLink() && supported) into.files.push(localFile(path, source));
    else if (entry.isSymbolicLink())
      into.skipped.push({
        source,
        reason: 'symbolic link not followed: only links to supported files are read',
      });
    else if (!entry.isFile()) continue;
    else if (supported) into.files.push(localFile(path, source));
    else into.skipped.push({ source, reason: `unsupported file type; supported: ${extensions.join(' ')}` });
  }
}

/**
 * Read synchronously: a folder's files are read one after another, and for small files one synchronous read
 * is about a twentieth of the CPU of `fs.promises.readFile`, which goes through the thread pool four times
 * (open, stat, read, close). A command has no other request to serve meanwhile.
 */
function localFile(path: string, source: string): InputFile {
  return {
    source,
    read: async () => {
      try {
        return { bytes: new Uint8Array(readFileSync(path)) };
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new ValidationError(
          `${source} could not be read (${reason}); check that it exists, is a file and is readable.`,
          { cause: error, details: { field: 'file' } },
        );
      }
    },
  };
}

/** Failures of the network or the far side, not of the URL itself: exit 1, as any failed ingest. */
const FETCH_FAILURES = new Set(['unreachable', 'timeout', 'http_status', 'unresolvable_host']);

/** Fetched before anything is opened, so a refused or failed URL leaves the knowledge base untouched. */
async function urlFile(url: string, urlGuard: UrlGuard): Promise<InputFile> {
  try {
    const fetched = await urlGuard.fetch(url);
    const content = { bytes: fetched.bytes, ...(fetched.mediaType ? { mimeType: fetched.mediaType } : {}) };
    return { source: url, read: async () => content };
  } catch (error) {
    if (error instanceof UrlRefusedError && FETCH_FAILURES.has(error.reason)) {
      throw new NotFoundError(`${error.message} Check the address and your network.`, { cause: error });
    }
    throw error;
  }
}
