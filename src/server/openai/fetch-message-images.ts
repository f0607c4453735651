/**
 * Images that chat messages link to, fetched by Godwit itself through the URL guard, so the model is
 * given bytes and nothing downstream (the AI SDK, a provider adapter) ever fetches a user's URL.
 */
import { type UrlGuard, UrlRefusedError } from '../../net/index.ts';
import type { OpenAIChatMessage } from '../schemas/openai-schemas.ts';

export interface FetchedImage {
  bytes: Uint8Array;
  mediaType?: string;
}

/** Image bytes by the URL the message gave. */
export type FetchedImages = ReadonlyMap<string, FetchedImage>;

export const NO_IMAGES: FetchedImages = new Map();

export interface FetchImagesOptions {
  guard: UrlGuard;
  /** Largest image, in bytes. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** The http(s) image URLs of the user messages, each with the field that holds it. */
function imageUrls(messages: readonly OpenAIChatMessage[]): Map<string, string> {
  const urls = new Map<string, string>();
  messages.forEach((message, messageIndex) => {
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((part, partIndex) => {
      if (part.type !== 'image_url' || !/^https?:/i.test(part.image_url.url)) return;
      if (!urls.has(part.image_url.url)) {
        urls.set(part.image_url.url, `messages[${messageIndex}].content[${partIndex}].image_url.url`);
      }
    });
  });
  return urls;
}

function acceptedMediaType(mediaType: string | undefined): boolean {
  return (
    mediaType === undefined || mediaType.startsWith('image/') || mediaType === 'application/octet-stream'
  );
}

async function fetchImage(url: string, field: string, options: FetchImagesOptions): Promise<FetchedImage> {
  try {
    const fetched = await options.guard.fetch(url, {
      maxBytes: options.maxBytes,
      accept: 'image/*',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!acceptedMediaType(fetched.mediaType)) {
      throw new UrlRefusedError(`${url} is not an image (it answered ${fetched.mediaType}).`, 'http_status');
    }
    const image: FetchedImage = { bytes: fetched.bytes };
    if (fetched.mediaType?.startsWith('image/')) image.mediaType = fetched.mediaType;
    return image;
  } catch (error) {
    if (!(error instanceof UrlRefusedError)) throw error;
    // The field tells an OpenAI client which part of its request is at fault (`param`).
    throw new UrlRefusedError(`${field}: ${error.message}`, error.reason, {
      cause: error,
      details: { ...error.details, field },
    });
  }
}

/**
 * Fetches every http(s) image the user messages link to (each distinct URL once, all at the same time).
 *
 * @throws UrlRefusedError (400) naming the message field and the URL's problem: an internal address, a
 *   timeout, a body over `maxBytes`, an HTTP error, something that is not an image.
 */
export async function fetchMessageImages(
  messages: readonly OpenAIChatMessage[],
  options: FetchImagesOptions,
): Promise<FetchedImages> {
  const urls = imageUrls(messages);
  if (urls.size === 0) return NO_IMAGES;
  const entries = await Promise.all(
    [...urls].map(async ([url, field]) => [url, await fetchImage(url, field, options)] as const),
  );
  return new Map(entries);
}
