import type { DirectUploadStore } from '../core/ports.ts';
import type { GodwitServices } from '../core/services.ts';
import { createUrlGuard, type UrlGuard } from '../net/index.ts';
import type { AuthSettings } from './auth/auth-settings.ts';
import type { Caller } from './auth/caller.ts';
import { writeLogLine } from './log-writer.ts';

/** Per-request values set by middleware and read by handlers. */
export interface AppVariables {
  requestId: string;
  tenantId: string;
  userId: string;
  /** Who is calling (tenant, user, role, API key); set by the auth middleware. */
  caller: Caller;
}

export interface AppEnv {
  Variables: AppVariables;
}

/** One structured log line; `level` is `info`, `warn` or `error`. */
export type LogEntry = { level: 'info' | 'warn' | 'error'; message: string } & Record<string, unknown>;

export type Logger = (entry: LogEntry) => void;

export interface AppOptions {
  /** Largest accepted JSON request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest accepted multipart upload (all files of one request), in bytes. Default 50 MiB. */
  maxUploadBytes?: number;
  /** Receives one entry per request and one per unexpected error. Default: JSON lines on stdout/stderr. */
  logger?: (entry: object) => void;
  /** Who may call the API (see docs/AUTH.md). Default: no authentication, every caller is the local admin. */
  auth?: AuthSettings;
  /**
   * Whether a forwarded `/v1` answer waits until its usage row is written. Default false: the row is queued
   * and written with others right after. Set true where the runtime may freeze or end the process once a
   * response is sent (AWS Lambda), so that no row waits for a next invocation that may never come.
   */
  awaitUsageWrites?: boolean;
  /**
   * Aborted when the server begins to stop. Chat turns still streaming end with a final `server_stopping`
   * error event and are stored as `interrupted`. Default: never aborted.
   */
  shutdownSignal?: AbortSignal;
  /** Fetches the images `/v1/chat/completions` messages link to. Default: the guard with its defaults. */
  urlGuard?: UrlGuard;
  /** Largest image a chat message may link to, in bytes. Default 20 MiB. */
  maxImageBytes?: number;
  /**
   * With auth off: the host names served and the origins allowed to write (see loopback-guard.ts).
   * Default: bound to 127.0.0.1, no extra names or origins.
   */
  loopback?: LoopbackGuardSettings;
  /** Cross-origin access for front ends hosted elsewhere (server.cors). Default: no origin allowed. */
  cors?: { allowedOrigins: readonly string[]; maxAgeSeconds?: number };
  /** Take the client address (failed sign-in limits) from X-Forwarded-For. Default false. */
  trustForwardedFor?: boolean;
  /** Whether `GET /metrics` is served by this app. Default true; false when a separate listener serves it. */
  serveMetrics?: boolean;
  /**
   * Presigned uploads straight to object storage, for a deployment whose requests cannot carry large files
   * (AWS Lambda). Default none: files are sent as multipart requests.
   */
  directUploads?: DirectUploadSettings;
}

export interface AppDeps {
  services: GodwitServices;
  options?: AppOptions;
}

/** Options with every default filled in. */
export interface ResolvedAppOptions {
  maxBodyBytes: number;
  maxUploadBytes: number;
  logger: Logger;
  awaitUsageWrites: boolean;
  shutdownSignal: AbortSignal | undefined;
  urlGuard: UrlGuard;
  maxImageBytes: number;
  directUploads: DirectUploadSettings | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export function resolveAppOptions(options: AppOptions = {}): ResolvedAppOptions {
  return {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    logger: options.logger ?? writeLogLine,
    awaitUsageWrites: options.awaitUsageWrites ?? false,
    shutdownSignal: options.shutdownSignal,
    urlGuard: options.urlGuard ?? createUrlGuard(),
    maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    directUploads: options.directUploads,
  };
}

/** The app every route module registers on. */
export type GodwitApp = import('@hono/zod-openapi').OpenAPIHono<AppEnv>;

/** With auth off: the host names served and the origins allowed to write (middleware/loopback-guard.ts). */
export interface LoopbackGuardSettings {
  /** The address the server binds (server.host); served as a host name besides the defaults. */
  bindHost: string;
  /** More Host names to serve: `name` (on the server's port) or `name:port`. */
  allowedHosts?: readonly string[];
  /** Origins whose pages may send POST, PUT, PATCH and DELETE (`http://localhost:5173`). */
  allowedOrigins?: readonly string[];
}

/** Direct-to-object-storage uploads (AWS Lambda): where files go and the limits the server states. */
export interface DirectUploadSettings {
  store: DirectUploadStore;
  /** Key prefix the Ingest function watches. Default `incoming/`. */
  prefix?: string;
  /** Largest multipart request the deployment can receive (Lambda: about 4.5 MB of file). */
  maxRequestBytes?: number;
  /** How long a signed upload stays valid. Default 900 s. */
  expiresInSeconds?: number;
}
