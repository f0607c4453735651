/** One dependency check for `/readyz`, bounded in time: a check that stalls reports down instead of hanging. */
import { describeError } from '../core/errors.ts';
import type { HealthReport } from '../core/ports.ts';

/**
 * Never throws, always reports under `name`, and never waits longer than `timeoutMs`; the check itself may go on in the background.
 *
 * @example
 *   const report = await boundedHealthCheck('database', () => storage.health(), 2000);
 */
export async function boundedHealthCheck(
  name: string,
  check: () => Promise<HealthReport>,
  timeoutMs: number,
): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<HealthReport>((resolve) => {
    timer = setTimeout(
      () => resolve({ name, ok: false, detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    // Reported under the listed name whether it answers or not, so an outage and its end pair up.
    return { ...(await Promise.race([check(), expired])), name };
  } catch (error) {
    return { name, ok: false, detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}
