/**
 * Readiness that tells the truth, fast: every dependency check is bounded in time (a stalled check counts
 * as down), only what the instance cannot serve without makes it unready (an optional dependency such as
 * the Redis cache is reported `degraded` while the answer stays 200), a stopping server says so, and each
 * dependency going down or coming back is logged once.
 */
import { describeError } from '../core/errors.ts';
import type { HealthReport } from '../core/ports.ts';
import type { GodwitServices } from '../core/services.ts';
import type { Logger } from './app-env.ts';

/** Dependencies that only make the service faster: requests still succeed without them. */
export const OPTIONAL_DEPENDENCIES: ReadonlySet<string> = new Set(['redis']);

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable' | 'stopping';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  /** False for a dependency the instance can serve without (reported, never fatal). */
  required: boolean;
  detail: string;
  version?: string;
}

export interface ReadinessResult {
  status: ReadinessStatus;
  /** Whether a load balancer should send traffic here (HTTP 200 rather than 503). */
  ready: boolean;
  checks: ReadinessCheck[];
}

export interface ReadinessOptions {
  /** Longest wait for the checks, in ms. Default 2,000. */
  timeoutMs?: number;
  logger: Logger;
  /** Aborted when the server begins to stop: readiness answers `stopping` from then on. */
  shutdown?: AbortSignal;
  now?: () => number;
}

export interface Readiness {
  check(): Promise<ReadinessResult>;
  /** Checks every `intervalMs` in the background, so outages are logged without a prober; returns a stop. */
  watch(intervalMs: number): () => void;
}

/**
 * @example
 *   const readiness = createReadiness(services, { logger, timeoutMs: 2000 });
 *   const { status, ready } = await readiness.check();
 */
export function createReadiness(services: GodwitServices, options: ReadinessOptions): Readiness {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const track = transitionLogger(options.logger, options.now ?? Date.now);
  const check = async (): Promise<ReadinessResult> => {
    const reports = await boundedReports(services, timeoutMs);
    const checks = reports.map(toCheck);
    track(checks);
    if (options.shutdown?.aborted) return { status: 'stopping', ready: false, checks };
    const requiredDown = checks.some((item) => item.required && !item.ok);
    const optionalDown = checks.some((item) => !item.required && !item.ok);
    const status = requiredDown ? 'unavailable' : optionalDown ? 'degraded' : 'ok';
    return { status, ready: !requiredDown, checks };
  };
  const watch = (intervalMs: number) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      check()
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };
  return { check, watch };
}

/** The reports, or one failed report when the checks as a whole outlast the bound (+ a margin). */
async function boundedReports(services: GodwitServices, timeoutMs: number): Promise<HealthReport[]> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<HealthReport[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([
          { name: 'services', ok: false, detail: `health checks did not answer within ${timeoutMs} ms` },
        ]),
      timeoutMs + 500,
    );
  });
  try {
    return await Promise.race([services.health(), expired]);
  } catch (error) {
    // health() promises never to throw; if it does, readiness must still answer.
    return [{ name: 'services', ok: false, detail: `health check failed: ${describeError(error)}` }];
  } finally {
    clearTimeout(timer);
  }
}

function toCheck(report: HealthReport): ReadinessCheck {
  return {
    name: report.name,
    ok: report.ok,
    required: !OPTIONAL_DEPENDENCIES.has(report.name),
    detail: hidePaths(report.detail),
    ...(report.version === undefined ? {} : { version: report.version }),
  };
}

/**
 * Readiness is open to anyone who can reach the port: file-system paths (a data directory, a socket)
 * are replaced, URLs and host names kept.
 */
export function hidePaths(text: string): string {
  return text.replace(/(?<![\w:/.@-])(?:~|\.{1,2})?\/(?:[\w.@-]+\/?)+/g, '(path hidden)');
}

/** Logs one line when a dependency goes down and one when it comes back. */
function transitionLogger(logger: Logger, now: () => number) {
  const downSince = new Map<string, number>();
  return (checks: ReadinessCheck[]) => {
    const complete = !checks.some((item) => item.name === 'services');
    const reported = new Set(checks.map((item) => item.name));
    // A dependency missing from a complete report is no longer failing (the all-checks fallback above).
    const vanished = complete ? [...downSince.keys()].filter((name) => !reported.has(name)) : [];
    const settled = vanished.map((name) => ({ name, ok: true, required: true, detail: '' }));
    for (const item of [...checks, ...settled]) {
      const since = downSince.get(item.name);
      if (!item.ok && since === undefined) {
        downSince.set(item.name, now());
        logger({
          level: item.required ? 'error' : 'warn',
          message: item.required ? 'dependency down' : 'optional dependency down; serving degraded',
          dependency: item.name,
          detail: item.detail,
        });
      } else if (item.ok && since !== undefined) {
        downSince.delete(item.name);
        logger({
          level: 'info',
          message: 'dependency back',
          dependency: item.name,
          downForMs: now() - since,
        });
      }
    }
  };
}
