/**
 * The web app with a generative provider: `godwit serve` reaches the OpenAI wire-format emulator through
 * OPENAI_API_KEY / OPENAI_BASE_URL. Streamed Markdown with highlighted code and sources, stop, and a
 * provider failure in the middle of an answer, then retry.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { describeWithChromium, launchChromium, visibleText } from './chromium.ts';
import { saveScreenshot } from './screenshots.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const WAIT = { timeout: 30_000 };

const ANSWER_CHUNKS = [
  'New employees get **20 days** of paid vacation ',
  'in their first year [1].\n\n',
  'To check your balance:\n\n```js\n',
  'const days = await balance("me");\n```\n',
];

describeWithChromium('web app with a streaming provider', () => {
  let emulator: Emulator;
  let server: GodwitProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireBuiltWebApp();
    emulator = await startEmulator();
    [server, browser] = await Promise.all([
      startGodwit({ env: { OPENAI_API_KEY: 'sk-emulated', OPENAI_BASE_URL: emulator.baseURLs.openai } }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(server.url);
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('handbook');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.close();
  });

  const box = () => page.getByLabel('Message', { exact: true });
  const lastAnswer = () => page.getByRole('article', { name: 'Answer' }).last();

  it('streams a Markdown answer with highlighted code and numbered sources', async () => {
    emulator.script({
      match: { dialect: 'openai', operation: 'chat' },
      chunks: ANSWER_CHUNKS,
      chunkDelayMs: 300,
      usage: { inputTokens: 900, outputTokens: 40 },
    });
    await box().fill('How many vacation days do new employees get?');
    await page.getByRole('button', { name: 'Send' }).click();
    // Mid-stream: the first words are on screen while Stop is offered.
    await lastAnswer().getByText('20 days').waitFor(WAIT);
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Copy answer' }).waitFor(WAIT);

    const answer = lastAnswer();
    expect(await visibleText(answer.locator('strong'))).toBe('20 days');
    expect(await visibleText(answer.locator('pre code .hljs-keyword').first())).toMatch(/const|await/);
    await answer.getByRole('button', { name: 'Source 1', exact: true }).click();
    expect(await visibleText(page.locator('.source-panel').getByTestId('source-document'))).toMatch(
      /\.md|\.docx/,
    );
    expect(await box().inputValue()).toBe('');
    await saveScreenshot(page, 'chat-generated');

    const chat = emulator.requests.find((request) => request.operation === 'chat');
    expect(JSON.stringify(chat?.body)).toContain('How many vacation days do new employees get?');
  });

  it('stops an answer on request and offers Send again', async () => {
    emulator.script({
      match: { dialect: 'openai', operation: 'chat' },
      chunks: Array.from({ length: 40 }, (_, index) => `word${index} `),
      chunkDelayMs: 250,
    });
    await box().fill('Tell me everything about benefits.');
    await box().press('Enter');
    await lastAnswer().getByText('word1').waitFor(WAIT);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Send' }).waitFor(WAIT);
    const text = await visibleText(lastAnswer());
    expect(text).toContain('word1');
    expect(text).not.toContain('word39');
  });

  it('says when the provider fails mid-answer, keeps the text, and retries', async () => {
    emulator.script(
      {
        match: { dialect: 'openai', operation: 'chat' },
        chunks: ['The expense limit ', 'for hotels is ', 'never finished'],
        chunkDelayMs: 100,
        cutAfterChunks: 2,
      },
      {
        match: { dialect: 'openai', operation: 'chat' },
        text: 'Hotels are reimbursed up to 180 EUR a night [1].',
      },
    );
    const question = 'What is the hotel expense limit?';
    await box().fill(question);
    await box().press('Enter');
    const failure = lastAnswer().getByRole('alert');
    await failure.waitFor(WAIT);
    expect(await visibleText(failure)).toMatch(/stopped early|No answer/);
    expect(await visibleText(lastAnswer())).toContain('The expense limit');
    expect(await box().inputValue()).toBe(question);
    await saveScreenshot(page, 'chat-provider-error');

    await box().fill('');
    await lastAnswer().getByRole('button', { name: 'Retry' }).click();
    await lastAnswer().getByText('180 EUR').waitFor(WAIT);
    expect(await lastAnswer().getByRole('alert').count()).toBe(0);

    const conversationId = decodeURIComponent(page.url().split('/chat/')[1] ?? '');
    const stored = await page.request.get(`${server.url}/api/conversations/${conversationId}`);
    const detail = (await stored.json()) as {
      messages: Array<{ role: string; content: string; status: string }>;
    };
    const asked = detail.messages.filter(
      (message) => message.role === 'user' && message.content === question,
    );
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(
      detail.messages.some((message) => message.role === 'assistant' && message.status !== 'complete'),
    ).toBe(true);
  });
});
