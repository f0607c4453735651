/**
 * CPU time of this process (all threads, user + system). Other work on a shared machine stretches wall
 * time but barely moves CPU time, so benchmarks report both.
 */
export interface CpuClock {
  /** Milliseconds of CPU since the clock started. */
  elapsedMs(): number;
}

export function startCpuClock(): CpuClock {
  const start = process.cpuUsage();
  return {
    elapsedMs: () => {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    },
  };
}
