import { Writable } from 'node:stream';
import { createOutput, type Output } from '../../src/cli/output.ts';

export interface CapturedOutput {
  output: Output;
  stdout(): string;
  stderr(): string;
}

/** A CLI Output whose two streams are kept in memory, for in-process command tests. */
export function captureOutput(): CapturedOutput {
  const collected = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _encoding, done) {
        collected[key] += chunk.toString();
        done();
      },
    });
  return {
    output: createOutput({ stdout: sink('stdout'), stderr: sink('stderr') }),
    stdout: () => collected.stdout,
    stderr: () => collected.stderr,
  };
}
