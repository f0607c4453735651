import { authHeaders, notifyUnauthorized, parseErrorBody, UNREACHABLE_MESSAGE } from '../api/api-client.ts';
import type { IngestOutcome } from '../api/types.ts';

/**
 * Uploads one file to a knowledge base, reporting upload progress (0–1). XMLHttpRequest, because fetch
 * cannot report how much of a request body was sent. Resolves with the server's outcome for the file;
 * rejects with a readable reason.
 */
export function uploadFile(
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
