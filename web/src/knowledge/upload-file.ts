import {
  apiJson,
  authHeaders,
  notifyUnauthorized,
  parseErrorBody,
  UNREACHABLE_MESSAGE,
} from '../api/api-client.ts';
import type { IngestOutcome, KnowledgeDocument } from '../api/types.ts';

interface UploadSettings {
  direct: boolean;
  maxUploadBytes: number;
  maxRequestBytes: number | null;
}

interface SignedUpload {
  id: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  statusUrl: string;
  /** Whether a document of this name exists already, which the upload replaces. */
  replaces?: boolean;
}

interface UploadStatus {
  status: 'awaiting-upload' | 'queued' | 'processing' | 'ready' | 'failed';
  document: (KnowledgeDocument & { sha256?: string }) | null;
}

interface Unchanged {
  status: 'unchanged';
  document: KnowledgeDocument;
}

/** The file's SHA-256 in hex, so an unchanged file is not sent again; null where Web Crypto is missing. */
async function digest(file: File): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  try {
    const hash = await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(await file.arrayBuffer()));
    return [...new Uint8Array(hash)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  } catch {
    // Without a digest the file is simply sent; the server indexes it either way.
    return null;
  }
}

let settings: Promise<UploadSettings> | null = null;

/** How this server takes files (asked once): multipart requests, or direct to object storage (AWS Lambda). */
function uploadSettings(): Promise<UploadSettings> {
  settings ??= apiJson<UploadSettings>('/api/uploads').catch((error) => {
    settings = null;
    throw error;
  });
  return settings;
}

/** Waits between status checks of a direct upload; the Ingest function takes a few seconds per file. */
const POLL_MS = 1500;
const POLL_LIMIT = 400;

/**
 * Uploads one file to a knowledge base, reporting upload progress (0–1). XMLHttpRequest, because fetch
 * cannot report how much of a request body was sent. Where the server says files go direct (AWS Lambda,
 * whose requests stop at 6 MB), the file is PUT to the presigned URL it hands out and followed until it is
 * ingested. Resolves with the outcome for the file; rejects with a readable reason.
 */
export async function uploadFile(
  knowledgeBase: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<IngestOutcome> {
  const { direct } = await uploadSettings();
  return direct
    ? uploadDirect(knowledgeBase, file, onProgress)
    : uploadMultipart(knowledgeBase, file, onProgress);
}

async function uploadDirect(
  knowledgeBase: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<IngestOutcome> {
  const sha256 = await digest(file);
  const answer = await apiJson<SignedUpload | Unchanged>(
    `/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/uploads`,
    {
      method: 'POST',
      body: JSON.stringify({
        filename: file.name,
        bytes: file.size,
        ...(sha256 ? { sha256 } : {}),
        ...(file.type ? { contentType: file.type } : {}),
      }),
    },
  );
  if ('status' in answer && answer.status === 'unchanged') {
    onProgress(1);
    return {
      source: file.name,
      status: 'unchanged',
      documentId: answer.document.id,
      chunks: answer.document.chunkCount,
      error: null,
      errorCode: null,
    };
  }
  const signed = answer as SignedUpload;
  await new Promise<void>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(signed.method, signed.url);
    for (const [name, value] of Object.entries(signed.headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.upload.onload = () => onProgress(1);
    request.onerror = () =>
      reject(new Error('The file could not be sent to storage; check your connection and try again.'));
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new Error(`Storage refused the file (HTTP ${request.status}); try again.`));
    request.send(file);
  });
  for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
    const progress = await apiJson<UploadStatus>(signed.statusUrl);
    if (progress.status === 'ready' || progress.status === 'failed') {
      return {
        source: file.name,
        status: progress.status === 'failed' ? 'failed' : signed.replaces ? 'updated' : 'created',
        documentId: progress.document?.id ?? null,
        chunks: progress.document?.chunkCount ?? 0,
        error: progress.document?.error ?? null,
        errorCode: progress.status === 'failed' ? 'ingest_failed' : null,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(
    'The file was uploaded but is still waiting to be ingested; check the document list later.',
  );
}

function uploadMultipart(
  knowledgeBase: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<IngestOutcome> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/knowledge-bases/${encodeURIComponent(knowledgeBase)}/documents`);
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.upload.onload = () => onProgress(1);
    request.onerror = () => reject(new Error(UNREACHABLE_MESSAGE));
    request.onload = () => {
      if (request.status === 401) notifyUnauthorized();
      let body: { results?: IngestOutcome[]; error?: { details?: { results?: IngestOutcome[] } } } = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // Not JSON: described below.
      }
      const outcome = body.results?.[0] ?? body.error?.details?.results?.[0];
      if (outcome) return resolve(outcome);
      const parsed = parseErrorBody(request.responseText);
      reject(new Error(parsed?.message ?? `The server answered ${request.status}.`));
    };
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
}
