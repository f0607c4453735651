/**
 * The default request log: one JSON line per entry on stdout (info) or stderr (warnings and errors),
 * written in batches. Writes to a pipe or file are synchronous in Node, so a busy server that wrote each
 * line on its own would spend a system call per request; here the lines of one turn of the event loop go
 * out in one write. Lines still waiting when the process exits are written before it does.
 */

import { redactLogSecrets } from './redact-log-secrets.ts';

interface Channel {
  lines: string[];
  write: (text: string) => void;
}

const stdout: Channel = { lines: [], write: (text) => process.stdout.write(text) };
const stderr: Channel = { lines: [], write: (text) => process.stderr.write(text) };
let scheduled = false;
let flushOnExit = false;

function flush(): void {
  scheduled = false;
  for (const channel of [stdout, stderr]) {
    if (channel.lines.length === 0) continue;
    const text = channel.lines.join('');
    channel.lines = [];
    channel.write(text);
  }
}

/** Queues one log line (`time` added first); `info` goes to stdout, every other level to stderr. */
export function writeLogLine(entry: object): void {
  // Scrubbed as a whole line: a secret quoted in any field (a message, an upstream error) is caught.
  const line = `${redactLogSecrets(serialize(entry))}\n`;
  const channel = (entry as { level?: string }).level === 'info' ? stdout : stderr;
  channel.lines.push(line);
  if (!flushOnExit) {
    flushOnExit = true;
    process.once('exit', flush);
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

/**
 * `JSON.stringify({ time, ...entry })`, without copying the entry: the time is written in front of the
 * entry's own JSON. An entry with its own `time` or `toJSON`, or that is not a plain object, goes the long way.
 */
function serialize(entry: object): string {
  const time = new Date().toISOString();
  if (
    Object.getPrototypeOf(entry) !== Object.prototype ||
    Object.hasOwn(entry, 'time') ||
    'toJSON' in entry
  ) {
    return JSON.stringify({ time, ...entry });
  }
  const json = JSON.stringify(entry);
  return json === '{}' ? `{"time":"${time}"}` : `{"time":"${time}",${json.slice(1)}`;
}
