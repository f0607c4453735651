// Preloaded by bench/ingest-command.ts through NODE_OPTIONS: at exit, writes the process's own CPU time (every
// thread) and peak RSS to the file named by BENCH_USAGE_FILE. Synchronous, so it is written however the
// process ends its event loop.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        cpuMilliseconds: (usage.userCPUTime + usage.systemCPUTime) / 1000,
        peakRssKiB: usage.maxRSS,
      }),
    );
  });
}
