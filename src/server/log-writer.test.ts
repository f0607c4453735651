import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeLogLine } from './log-writer.ts';

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The lines `writeLogLine` writes to stdout and stderr for `entries`, once its batch is flushed. */
async function written(...entries: object[]): Promise<{ stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
    stdout.push(...String(text).split('\n').filter(Boolean));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr.push(...String(text).split('\n').filter(Boolean));
    return true;
  });
  for (const entry of entries) writeLogLine(entry);
  await new Promise((resolve) => setImmediate(resolve));
  vi.restoreAllMocks();
  return { stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('writeLogLine', () => {
  it('writes one JSON line per entry with the time first, info on stdout and the rest on stderr', async () => {
    const { stdout, stderr } = await written(
      { level: 'info', message: 'request', status: 200, skipped: undefined, nested: { a: [1, 'b'] } },
      { level: 'warn', message: 'slow' },
    );
    expect(stdout).toHaveLength(1);
    const line = JSON.parse(stdout[0]!);
    expect(Object.keys(line)).toEqual(['time', 'level', 'message', 'status', 'nested']);
    expect(line.time).toMatch(TIME);
    expect(line).toMatchObject({ level: 'info', message: 'request', status: 200, nested: { a: [1, 'b'] } });
    expect(stderr.map((text) => JSON.parse(text))).toEqual([
      { time: expect.stringMatching(TIME), level: 'warn', message: 'slow' },
    ]);
  });

  it('writes what JSON.stringify({ time, ...entry }) writes for unusual entries', async () => {
    class Entry {
      level = 'info';
      message = 'from a class';
    }
    const withToJSON = { level: 'info', toJSON: () => ({ replaced: true }) };
    const { stdout, stderr } = await written(
      {},
      { level: 'info', time: 'the entry’s own time', message: 'm' },
      new Entry(),
      withToJSON,
    );
    const lines = [...stderr, ...stdout].map((text) => JSON.parse(text));
    expect(lines).toContainEqual({ time: expect.stringMatching(TIME) });
    expect(lines).toContainEqual({ time: 'the entry’s own time', level: 'info', message: 'm' });
    expect(lines).toContainEqual({
      time: expect.stringMatching(TIME),
      level: 'info',
      message: 'from a class',
    });
    expect(lines).toContainEqual({ replaced: true });
  });

  it('scrubs secrets from the whole line', async () => {
    const { stderr } = await written({ level: 'error', message: 'upstream said: Bearer abcdefghijk' });
    expect(stderr[0]).toContain('Bearer [redacted]');
    expect(stderr[0]).not.toContain('abcdefghijk');
  });
});
