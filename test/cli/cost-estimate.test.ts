import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../support/capture-output.ts';

describe('godwit cost estimate', () => {
  it('prints one JSON document with an estimate per traffic level', async () => {
    const captured = captureOutput();
    const code = await main(
      ['cost', 'estimate', '--json', '--model', 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0'],
      captured.output,
    );
    expect(code).toBe(0);
    const { estimates } = JSON.parse(captured.stdout());
    expect(
      estimates.map((estimate: { input: { requestsPerMonth: number } }) => estimate.input.requestsPerMonth),
    ).toEqual([0, 10_000, 100_000, 1_000_000]);
  });

  it('details one traffic level line by line', async () => {
    const captured = captureOutput();
    const code = await main(
      ['cost', 'estimate', '--requests', '100k', '--vector-store', 's3vectors'],
      captured.output,
    );
    expect(code).toBe(0);
    expect(captured.stdout()).toContain('100,000 chat turns a month on lambda with s3vectors');
    expect(captured.stdout()).toMatch(/S3 Vectors\s+\$/);
    expect(captured.stderr()).toContain('confirm on the AWS pricing pages');
  });

  it('exits 2 with the flag named for a bad value', async () => {
    for (const argv of [
      ['--requests', 'lots'],
      ['--vector-store', 'pinecone'],
    ]) {
      const captured = captureOutput();
      expect(await main(['cost', 'estimate', ...argv], captured.output)).toBe(2);
      expect(captured.stderr()).toContain(argv[0]);
    }
  });
});
