/**
 * Progress on stderr: a live bar on a terminal, a line per file otherwise (logs and CI stay readable).
 */
import cliProgress from 'cli-progress';
import type { Output } from './output.ts';

export interface Progress {
  tick(label: string): void;
  stop(): void;
}

export function createProgress(output: Output, total: number, quiet: boolean): Progress {
  if (quiet || total === 0) return { tick: () => {}, stop: () => {} };
  if (!output.interactive) {
    let done = 0;
    return {
      tick: (label) => output.info(`[${++done}/${total}] ${label}`),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} files | {rate} files/s | ETA {eta_formatted} | {label}',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { label: '', rate: '0.0' });
  return {
    tick: (label) => {
      const rate = (bar.getProgress() * total + 1) / Math.max((Date.now() - started) / 1000, 0.001);
      bar.increment(1, { label, rate: rate.toFixed(1) });
    },
    stop: () => bar.stop(),
  };
}
