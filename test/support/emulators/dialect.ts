/**
 * The contract each wire format implements for the emulator server: recognise its routes, check its
 * credentials, and render replies, errors and streams exactly as the real service does.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect, Operation, ResolvedReply } from './script.ts';

export interface RouteMatch {
  operation: Operation;
  stream: boolean;
  model: string;
  /** Dialect-specific variant, for example 'responses' or 'chat-completions'. */
  variant: string;
}

export interface RenderContext {
  model: string;
  variant: string;
  body: Record<string, unknown>;
  /** A fresh id with the given prefix. */
  nextId(prefix: string): string;
  /** Unix time in seconds. */
  now(): number;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface StreamFrame {
  data: string | Uint8Array;
  /** Frames that carry answer text count towards `cutAfterChunks` and wait for the first-token delay. */
  textChunk?: boolean;
}

export interface StreamPlan {
  contentType: string;
  frames: StreamFrame[];
}

export type ErrorKind = 'scripted' | 'unknown-model' | 'unauthorized' | 'bad-request';

export interface DialectDefinition {
  name: Dialect;
  match(method: string, url: URL, body: Record<string, unknown>): RouteMatch | undefined;
  /** A description of what is wrong with the credentials, or undefined when they are acceptable. */
  checkAuth(headers: IncomingHttpHeaders): string | undefined;
  error(kind: ErrorKind, status: number, message: string): HttpReply;
  chat(reply: ResolvedReply, context: RenderContext): unknown;
  chatStream(reply: ResolvedReply, context: RenderContext): StreamPlan;
  /** A stream whose first event cannot be parsed. */
  malformedStream(context: RenderContext): StreamPlan;
  embed(context: RenderContext): unknown;
  /** Why the service would refuse this chat request (a 400 naming the problem), or undefined to answer it. */
  refuseChat?(context: RenderContext): string | undefined;
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** Thrown by a dialect to answer with one of its own error bodies. */
export class DialectError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
