/**
 * Measures the web app: bundle size (gzip) of web/dist, and in Chromium against `godwit serve` on the
 * embedded default, the time from pressing Enter to the first words of an answer and to the finished
 * answer (sources shown). Prints one JSON document.
 *
 *   npm run build && npx tsx test/e2e/measure-web-app.ts [--runs 7]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startGodwit } from '../support/godwit-process.ts';
import { launchChromium } from './chromium.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const QUESTIONS = [
  'How many vacation days do new employees get?',
  'Can I carry over unused vacation days?',
  'What is the hotel limit for business travel?',
  'How do I reset my password?',
  'Which holidays are in the 2026 calendar?',
  'Who pays for the home office equipment?',
  'What does the code of conduct say about gifts?',
];

function bundleSizes() {
  const files = readdirSync(join(DIST, 'assets')).map((name) => join('assets', name));
  files.push('index.html');
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(join(DIST, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, rawKiB: +(raw / 1024).toFixed(1), gzipKiB: +(gzip / 1024).toFixed(1) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main() {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : QUESTIONS.length;
  requireBuiltWebApp();
  const bundle = bundleSizes();
  const server = await startGodwit();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    const loadStart = performance.now();
    await page.goto(server.url);
    await page.getByLabel('Message', { exact: true }).waitFor();
    const appReadyMs = performance.now() - loadStart;
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('handbook');
    const firstWords: number[] = [];
    const finished: number[] = [];
    for (let run = 0; run < runs; run++) {
      const question = QUESTIONS[run % QUESTIONS.length] as string;
      const answers = page.getByRole('article', { name: 'Answer' });
      const done = page.getByRole('button', { name: 'Copy answer' });
      const before = await done.count();
      await page.getByLabel('Message', { exact: true }).fill(question);
      const started = performance.now();
      await page.getByLabel('Message', { exact: true }).press('Enter');
      await answers.nth(before).locator('.markdown').waitFor();
      firstWords.push(performance.now() - started);
      await done.nth(before).waitFor();
      finished.push(performance.now() - started);
    }
    const result = {
      bundle,
      embeddedDefault: {
        runs,
        appReadyMs: Math.round(appReadyMs),
        firstAnswerTextMsMedian: Math.round(median(firstWords)),
        finishedAnswerMsMedian: Math.round(median(finished)),
        firstAnswerTextMsMax: Math.round(Math.max(...firstWords)),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
