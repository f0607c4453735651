/**
 * The web app against a server that requires authentication (GODWIT_AUTH__MODE=required on loopback):
 * the sign-in screen on 401, a refused key, a kept key sent as Bearer, the original file opened with the
 * key, and sign-out.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GodwitProcess, runGodwit, startGodwit } from '../support/godwit-process.ts';
import { describeWithChromium, launchChromium, visibleText } from './chromium.ts';
import { saveScreenshot } from './screenshots.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const WAIT = { timeout: 30_000 };

describeWithChromium('web app when the server requires an API key', () => {
  let server: GodwitProcess;
  let browser: Browser;
  let page: Page;
  let secret = '';

  beforeAll(async () => {
    requireBuiltWebApp();
    [server, browser] = await Promise.all([
      startGodwit({
        env: { GODWIT_AUTH__MODE: 'required' },
        beforeStart: async (env) => {
          const created = JSON.parse(
            await runGodwit(['keys', 'create', '--name', 'browser', '--role', 'admin', '--json'], env),
          ) as { secret: string };
          secret = created.secret;
        },
      }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for a key, refuses a wrong one, and keeps the right one', async () => {
    expect(secret).toMatch(/^gw_/);
    await page.goto(server.url);
    const keyField = page.getByLabel('API key', { exact: true });
    await keyField.waitFor(WAIT);
    await saveScreenshot(page, 'sign-in');
    await keyField.fill('gw_not_a_real_key_000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor(WAIT);
    expect(await visibleText(page.getByRole('alert'))).toContain('was not accepted');

    await keyField.fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Message', { exact: true }).waitFor(WAIT);
    expect(await page.evaluate(() => localStorage.getItem('godwit.apiKey'))).toBe(secret);
  });

  it('chats with the key and opens the original file with it', async () => {
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('handbook');
    const sent = page.waitForRequest((request) => request.url().endsWith('/api/ui/chat'));
    await page.getByLabel('Message', { exact: true }).fill('How many vacation days do new employees get?');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    expect((await sent).headers().authorization).toBe(`Bearer ${secret}`);
    await page.getByRole('button', { name: 'Copy answer' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Source 1', exact: true }).click();

    const popup = page.waitForEvent('popup');
    await page.getByRole('link', { name: 'Open original file' }).click();
    const opened = await popup;
    await expect.poll(() => opened.url(), WAIT).toMatch(/^blob:/);
    expect((await opened.content()).length).toBeGreaterThan(100);
    await opened.close();
  });

  it('stays signed in after a reload and signs out on request', async () => {
    await page.reload();
    await page.getByLabel('Message', { exact: true }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor(WAIT);
    expect(await page.evaluate(() => localStorage.getItem('godwit.apiKey'))).toBeNull();
    const response = await page.request.get(`${server.url}/api/conversations`);
    expect(response.status()).toBe(401);
  });
});
