/**
 * A new user's first minutes in the web app, in Chromium against a real `godwit serve` on a new data dir:
 * the first question goes to the sample knowledge base without touching the picker, a question nothing
 * matches says so by name, and the Knowledge page fits a phone (375 px wide) with nothing cut off.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { describeWithChromium, launchChromium, visibleText } from './chromium.ts';
import { saveScreenshot } from './screenshots.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const WAIT = { timeout: 30_000 };
const PHONE = { width: 375, height: 740 };

async function ask(page: Page, question: string): Promise<string> {
  const answers = page.getByRole('article', { name: 'Answer' });
  const finished = page.getByRole('button', { name: 'Copy answer' });
  const before = await finished.count();
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(question);
  await box.press('Enter');
  await expect.poll(() => finished.count(), WAIT).toBe(before + 1);
  return visibleText(answers.last());
}

/** Elements wider than the viewport or sticking out of it, described for the failure message. */
function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const found: string[] = [];
    if (document.documentElement.scrollWidth > width) {
      found.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px > ${width} px)`);
    }
    const selectors =
      'h1, h2, h3, nav, button, input, select, .card, .drop-zone, .table-wrap, .kb-header, label';
    for (const element of Array.from(
      document.querySelectorAll<HTMLElement>(`.knowledge-page :is(${selectors})`),
    )) {
      if (element.closest('.table-wrap') && !element.matches('.table-wrap')) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.left < -0.5 || box.right > width + 0.5) {
        const label = element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 40) ?? '';
        found.push(
          `${element.tagName.toLowerCase()}.${element.className} "${label}" spans ${Math.round(box.left)}–${Math.round(box.right)} px`,
        );
      }
    }
    return found;
  });
}

describeWithChromium('web app: first run', () => {
  let server: GodwitProcess;
  let browser: Browser;

  beforeAll(async () => {
    requireBuiltWebApp();
    [server, browser] = await Promise.all([startGodwit(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('answers the first question from the sample knowledge base without choosing it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(server.url);
    const picker = page.getByLabel('Knowledge base', { exact: true });
    await expect.poll(() => picker.inputValue(), WAIT).toBe('handbook');
    const answer = await ask(page, 'How many vacation days do new employees get in their first year?');
    expect(answer).toMatch(/vacation/i);
    expect(answer).not.toMatch(/no knowledge base/i);
    expect(await page.getByRole('button', { name: 'Source 1', exact: true }).count()).toBe(1);

    const nothing = await ask(page, 'zyxwvut qwertyuiop asdfghjkl');
    expect(nothing).toMatch(/Nothing in the knowledge base "handbook" matched/);
    expect(nothing).not.toMatch(/no knowledge base/i);
    await page.close();
  });

  it('remembers plain chat when the user chose it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(server.url);
    const picker = page.getByLabel('Knowledge base', { exact: true });
    await expect.poll(() => picker.inputValue(), WAIT).toBe('handbook');
    await picker.selectOption('');
    await page.reload();
    await page.getByRole('option', { name: 'handbook' }).waitFor({ state: 'attached', ...WAIT });
    expect(await picker.inputValue()).toBe('');
    await page.close();
  });

  it('lays the Knowledge page out in one column at phone width, with nothing cut off', async () => {
    const page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/knowledge`);
    await page.getByRole('button', { name: /^handbook/ }).click();
    await page.getByRole('heading', { name: 'handbook', exact: true }).waitFor(WAIT);
    await page.locator('.knowledge-page table tbody tr').first().waitFor(WAIT);
    await saveScreenshot(page, 'knowledge-phone');
    expect(await overflowingElements(page)).toEqual([]);

    const side = await page.locator('.knowledge-side').boundingBox();
    const main = await page.locator('.knowledge-main').boundingBox();
    expect(side && main).toBeTruthy();
    expect(main!.y).toBeGreaterThanOrEqual(side!.y + side!.height);
    await page.close();
  });
});
