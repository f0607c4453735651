/**
 * The web app with an assistant: `godwit serve` with an assistant whose every tool call asks for approval,
 * the model scripted on the OpenAI wire emulator. The tool call shows with its input and Approve/Deny; once
 * approved, the same answer continues with the result.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../support/emulators/index.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { describeWithChromium, launchChromium, visibleText } from './chromium.ts';
import { saveScreenshot } from './screenshots.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const WAIT = { timeout: 30_000 };

describeWithChromium('web app with an assistant that asks before its tools run', () => {
  let emulator: Emulator;
  let server: GodwitProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireBuiltWebApp();
    emulator = await startEmulator();
    const config = join(mkdtempSync(join(tmpdir(), 'godwit-e2e-assistant-')), 'godwit.config.yaml');
    writeFileSync(
      config,
      `assistants:
  helper:
    model: openai:gpt-4.1-mini
    tools: [calculator]
    approval: { mode: always }
`,
    );
    [server, browser] = await Promise.all([
      startGodwit({
        env: {
          OPENAI_API_KEY: 'sk-emulated',
          OPENAI_BASE_URL: emulator.baseURLs.openai,
          GODWIT_CONFIG: config,
        },
      }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.close();
  });

  it('shows the waiting tool call with its input, runs it on Approve and continues the answer', async () => {
    const picker = page.getByLabel('Assistant', { exact: true });
    await picker.locator('option[value="assistant:helper"]').waitFor({ state: 'attached', ...WAIT });
    await picker.selectOption('assistant:helper');
    emulator.script(
      {
        match: { dialect: 'openai', operation: 'chat' },
        toolCalls: [{ name: 'calculator', input: { expression: '6*7' } }],
      },
      { match: { dialect: 'openai', operation: 'chat' }, text: 'Six times seven is 42.' },
    );
    await page.getByLabel('Message', { exact: true }).fill('What is 6 times 7?');
    await page.getByRole('button', { name: 'Send' }).click();
    const prompt = page.getByRole('group', { name: 'Approve calculator?' });
    await prompt.waitFor(WAIT);
    const card = page.getByRole('region', { name: 'Tool call calculator' });
    expect(await visibleText(card)).toContain('"expression": "6*7"');
    await saveScreenshot(page, 'chat-tool-approval');

    await prompt.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Six times seven is 42.').waitFor(WAIT);
    expect(await visibleText(card.locator('.tool-state'))).toBe('Done');
    const requests = emulator.requests.filter((request) => request.operation === 'chat');
    expect(JSON.stringify(requests.at(-1)?.body)).toContain('42');
  });
});
