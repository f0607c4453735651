/**
 * Where the CLI writes. With --json, stdout carries exactly one JSON document; everything for people
 * (progress, banners, warnings) goes to stderr.
 */
export interface Output {
  json(value: unknown): void;
  line(text: string): void;
  info(text: string): void;
  error(text: string): void;
  readonly interactive: boolean;
}

export function createOutput(
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Output {
  return {
    json: (value) => streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    line: (text) => streams.stdout.write(`${text}\n`),
    info: (text) => streams.stderr.write(`${text}\n`),
    error: (text) => streams.stderr.write(`error: ${text}\n`),
    interactive: Boolean((streams.stderr as NodeJS.WriteStream).isTTY),
  };
}
