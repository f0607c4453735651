/** Shared pieces of the benchmarks in bench/: seeded synthetic text, server processes, statistics. */

export {
  cpuMilliseconds,
  residentKilobytes,
  type ServerProcess,
  spawnServer,
  stopServer,
  waitForOk,
} from './child-server.ts';
export { type CpuClock, startCpuClock } from './cpu-clock.ts';
export { findFreePort } from './free-port.ts';
export { type GodwitServe, type StartGodwitServeOptions, startGodwitServe } from './godwit-serve.ts';
export { createRandom, type Random, randomInteger } from './random.ts';
export {
  type BenchmarkFlags,
  describeMachine,
  describeSource,
  printResult,
  progress,
  readFlags,
} from './report.ts';
export {
  type LatencySummary,
  median,
  percentile,
  ratio,
  round,
  summarize,
  summarizeWithTail,
} from './statistics.ts';
export {
  createZipfVocabulary,
  syntheticProse,
  syntheticQuery,
  type ZipfVocabulary,
  type ZipfVocabularyOptions,
} from './zipf-vocabulary.ts';
