import { authHeaders, describeError } from './api-client.ts';

/**
 * Opens a document's original file in a new tab. Without an API key the link works as a plain link; with
 * one, the file is fetched with the key (a link cannot send it) and shown from a blob URL.
 */
export async function openOriginal(event: React.MouseEvent<HTMLAnchorElement>, url: string): Promise<void> {
  const headers = authHeaders();
  if (!headers.authorization) return;
  event.preventDefault();
  const opened = window.open('', '_blank');
  try {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(await response.text());
    const blobUrl = URL.createObjectURL(await response.blob());
    if (opened) opened.location.href = blobUrl;
    else window.location.assign(blobUrl);
  } catch (error) {
    opened?.close();
    window.alert(describeError(error));
  }
}
