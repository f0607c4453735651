/**
 * Event-loop freedom during a large upload: /healthz latency (p50, p99, max) while `godwit serve` parses,
 * chunks and indexes one large Markdown file uploaded through POST /api/knowledge-bases/NAME/documents,
 * against the same server at rest. With `--baseline DIR`, a second checkout (its own bin/godwit.js, the
 * same node_modules) is measured in the same run, alternating, so the two can be compared as a ratio.
 *
 *   npx tsx bench/healthz-during-upload.ts [--quick] [--mb 30] [--baseline /path/to/other/checkout]
 *
 * /healthz is polled one request at a time, 20 ms apart, from the moment the upload starts until its
 * response arrives. Prints one JSON document on stdout; progress goes to stderr.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createRandom,
  createZipfVocabulary,
  describeMachine,
  describeSource,
  printResult,
  progress,
  round,
  startGodwitServe,
  summarizeWithTail,
  syntheticProse,
} from './support/index.ts';

const REPOSITORY = resolve(fileURLToPath(new URL('..', import.meta.url)));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    mb: { type: 'string' },
    baseline: { type: 'string' },
    repetitions: { type: 'string' },
  },
});
const megabytes = Number(values.mb ?? (values.quick ? 8 : 30));
const repetitions = Number(values.repetitions ?? (values.quick ? 1 : 2));

/** Markdown of about `megabytes` MiB: sections of seeded synthetic prose under headings. */
function buildMarkdown(size: number): Uint8Array {
  const random = createRandom(7);
  const vocabulary = createZipfVocabulary();
  const parts: string[] = [];
  let length = 0;
  for (let section = 0; length < size * 1024 * 1024; section++) {
    const text = `## Section ${section}\n\n${syntheticProse(vocabulary, random, 300)}\n\n`;
    parts.push(text);
    length += text.length;
  }
  return new TextEncoder().encode(`# Large handbook\n\n${parts.join('')}`);
}

/** Milliseconds for one /healthz, or null when the request failed (a reset connection, a refused one). */
async function timeHealth(url: string): Promise<number | null> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
    return response.ok ? performance.now() - startedAt : null;
  } catch {
    return null;
  }
}

async function pollWhile(
  url: string,
  running: () => boolean,
): Promise<{ samples: number[]; failures: number }> {
  const samples: number[] = [];
  let failures = 0;
  while (running()) {
    const elapsed = await timeHealth(url);
    if (elapsed === null) failures++;
    else samples.push(elapsed);
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  return { samples, failures };
}

async function measure(label: string, checkout: string, file: Uint8Array) {
  const godwit = await startGodwitServe({
    checkout,
    args: ['--no-sample'],
    name: 'upload',
    readyTimeoutMs: 180_000,
  });
  const { url } = godwit;
  try {
    const created = await fetch(`${url}/api/knowledge-bases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (!created.ok) throw new Error(`${label}: creating the knowledge base answered ${created.status}`);
    const idle = await pollWhile(
      url,
      (() => {
        let left = 50;
        return () => left-- > 0;
      })(),
    );
    const form = new FormData();
    form.append(
      'file',
      new Blob([file.buffer as ArrayBuffer], { type: 'text/markdown' }),
      'large-handbook.md',
    );
    let uploading = true;
    const startedAt = performance.now();
    const upload = fetch(`${url}/api/knowledge-bases/bench/documents`, { method: 'POST', body: form }).then(
      async (response) => {
        const body = await response.text();
        uploading = false;
        if (!response.ok)
          throw new Error(`${label}: the upload answered ${response.status}: ${body.slice(0, 300)}`);
        return performance.now() - startedAt;
      },
      (error: unknown) => {
        uploading = false;
        throw error;
      },
    );
    const [busy, uploadMs] = await Promise.all([pollWhile(url, () => uploading), upload]);
    progress(
      `${label}: upload answered in ${Math.round(uploadMs)} ms; ${busy.samples.length} /healthz samples`,
    );
    return {
      label,
      uploadMs: round(uploadMs, 0),
      idle: { ...summarizeWithTail(idle.samples), failures: idle.failures },
      duringUpload: { ...summarizeWithTail(busy.samples), failures: busy.failures },
    };
  } finally {
    await godwit.stop();
  }
}

const file = buildMarkdown(megabytes);
progress(`Built a ${(file.byteLength / 1024 / 1024).toFixed(1)} MiB Markdown file.`);
const checkouts: Array<[string, string]> = [['current', REPOSITORY]];
if (values.baseline) checkouts.push(['baseline', resolve(values.baseline)]);
const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
for (let repetition = 0; repetition < repetitions; repetition++) {
  for (const [label, checkout] of checkouts) runs.push(await measure(label, checkout, file));
}
printResult({
  benchmark: 'healthz-during-upload',
  machine: describeMachine(),
  source: describeSource(),
  uploadBytes: file.byteLength,
  runs,
});
