/**
 * The web app in Chromium against a real `godwit serve` on the embedded default (local:extractive, BM25,
 * PGlite): ask with sources, open a source, upload a PDF and a spreadsheet, ask about them, find the
 * conversation after a reload, delete it; a corrupt upload and an unreachable server.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPdf, buildXlsx } from '../../src/ingest/fixtures/sample-files.ts';
import { type GodwitProcess, startGodwit } from '../support/godwit-process.ts';
import { describeWithChromium, launchChromium, visibleText } from './chromium.ts';
import { saveScreenshot } from './screenshots.ts';
import { requireBuiltWebApp } from './web-dist.ts';

const WAIT = { timeout: 30_000 };

async function ask(page: Page, question: string): Promise<void> {
  const finished = page.getByRole('button', { name: 'Copy answer' });
  const before = await finished.count();
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(question);
  await box.press('Enter');
  // The answer is finished when its actions appear.
  await expect.poll(() => finished.count(), WAIT).toBe(before + 1);
}

describeWithChromium('web app on the embedded default', () => {
  let server: GodwitProcess;
  let browser: Browser;
  let page: Page;
  let conversationUrl: string;

  beforeAll(async () => {
    requireBuiltWebApp();
    [server, browser] = await Promise.all([startGodwit(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('answers with numbered sources and opens the cited passage', async () => {
    await page.goto(server.url);
    await saveScreenshot(page, 'chat-empty');
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('handbook');
    await ask(page, 'How many vacation days do new employees get in their first year?');

    const answer = page.getByRole('article', { name: 'Answer' }).last();
    await expect
      .poll(async () => (await visibleText(answer.locator('.markdown'))).length)
      .toBeGreaterThan(20);
    const chip = page.getByRole('button', { name: 'Source 1', exact: true });
    await chip.click();
    const panel = page.locator('.source-panel');
    await expect
      .poll(() => visibleText(panel.getByTestId('source-document')))
      .toMatch(/\.(md|docx|xlsx|pdf)$/);
    expect((await visibleText(panel.getByTestId('source-location'))).length).toBeGreaterThan(0);
    expect((await visibleText(panel.locator('.source-passage'))).length).toBeGreaterThan(20);
    const link = panel.getByRole('link', { name: 'Open original file' });
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/api\/knowledge-bases\/handbook\/documents\/[^/]+\/file$/);
    const original = await page.request.get(`${server.url}${href}`);
    expect(original.status()).toBe(200);
    expect((await original.body()).length).toBeGreaterThan(100);

    await expect.poll(() => page.url(), WAIT).toMatch(/\/chat\/[^/]+$/);
    conversationUrl = page.url();
    await saveScreenshot(page, 'chat');
  });

  it('uploads a PDF and a spreadsheet with per-file status, and a dropped file', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click();
    await page.getByLabel('Name', { exact: true }).fill('uploads');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'uploads', exact: true }).waitFor(WAIT);

    const pdf = await buildPdf([
      {
        heading: 'Facilities guide',
        paragraphs: ['The parking garage opens at 6:30 every weekday and closes at 21:00.'],
      },
    ]);
    const xlsx = await buildXlsx([
      {
        name: 'Offices',
        rows: [
          ['City', 'Phone', 'Notes'],
          ['Lisbon', '+351 21 555 0100', 'The Lisbon office reception is staffed from 8:00 to 18:00.'],
          ['Utrecht', '+31 30 555 0199', 'The Utrecht office reception is staffed from 9:00 to 17:00.'],
        ],
      },
    ]);
    await page.locator('input[type=file]').setInputFiles([
      { name: 'facilities-guide.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) },
      {
        name: 'offices.xlsx',
        mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        buffer: Buffer.from(xlsx),
      },
    ]);
    const uploads = page.getByTestId('upload-item');
    await expect.poll(() => uploads.count()).toBe(2);
    await expect
      .poll(() => page.getByTestId('upload-status').allInnerTexts(), WAIT)
      .toEqual(['Ready', 'Ready']);

    // Drag and drop: the drop zone takes files from a DataTransfer like a browser drop.
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['Team,Floor\nPayroll,3\n'], 'floors.csv', { type: 'text/csv' }));
      return transfer;
    });
    await page.dispatchEvent('.drop-zone', 'drop', { dataTransfer: dropped });
    await expect.poll(() => visibleText(page.getByTestId('upload-status').first()), WAIT).toBe('Ready');

    const rows = page.getByTestId('document-row');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    const table = await visibleText(page.locator('table.documents'));
    expect(table).toContain('facilities-guide.pdf');
    expect(table).toContain('offices.xlsx');
    expect(table).not.toMatch(/failed/);
    await saveScreenshot(page, 'knowledge');

    await page.getByRole('button', { name: 'Re-index facilities-guide.pdf' }).click();
    const pdfRow = rows.filter({ hasText: 'facilities-guide.pdf' });
    await expect.poll(() => visibleText(pdfRow), WAIT).toMatch(/ready\s+1/);
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('shows why a corrupt upload failed and keeps the other documents', async () => {
    await page.locator('input[type=file]').setInputFiles([
      {
        name: 'broken.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.7 this is not a PDF'),
      },
    ]);
    const latest = page.getByTestId('upload-item').first();
    await expect.poll(() => visibleText(latest.getByTestId('upload-status')), WAIT).toBe('Failed');
    const reason = await visibleText(latest.locator('.upload-detail'));
    expect(reason).toMatch(/broken\.pdf|PDF/i);
    await saveScreenshot(page, 'knowledge-upload-failed');
    await expect.poll(() => page.getByTestId('document-row').count(), WAIT).toBe(3);
  });

  it('answers about the uploaded files, citing page and sheet row', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('uploads');
    await ask(page, 'When does the parking garage open?');
    await page.getByRole('button', { name: 'Source 1', exact: true }).last().click();
    const panel = page.locator('.source-panel');
    await expect.poll(() => visibleText(panel.getByTestId('source-document'))).toBe('facilities-guide.pdf');
    expect(await visibleText(panel.getByTestId('source-location'))).toContain('page 1');
    expect(await visibleText(page.getByRole('article', { name: 'Answer' }).last())).toContain('6:30');

    await ask(page, 'When is the Lisbon office reception staffed?');
    const chips = page
      .getByRole('article', { name: 'Answer' })
      .last()
      .getByRole('button', { name: /^Source \d+$/ });
    const labels = await chips.allInnerTexts();
    const answerText = await visibleText(page.getByRole('article', { name: 'Answer' }).last());
    expect(labels.join(' | '), answerText).toContain('offices.xlsx');
    const xlsxChip = page
      .getByRole('article', { name: 'Answer' })
      .last()
      .locator('.chip', { hasText: 'offices.xlsx' })
      .first();
    await xlsxChip.click();
    await expect
      .poll(() => visibleText(panel.getByTestId('source-location')))
      .toMatch(/sheet Offices, row \d/);
  });

  it('lists the conversation after a reload, reopens it, and deletes it', async () => {
    await page.goto(`${server.url}/`);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const title = list.getByRole('button', { name: 'When does the parking garage open?', exact: true });
    await title.waitFor(WAIT);
    await title.click();
    await page.getByRole('article', { name: 'Your message' }).first().waitFor(WAIT);
    expect(await page.getByRole('article', { name: 'Your message' }).allInnerTexts()).toEqual([
      'When does the parking garage open?',
      'When is the Lisbon office reception staffed?',
    ]);
    // Sources come back with the stored answer.
    expect(await page.getByRole('button', { name: 'Source 1', exact: true }).count()).toBeGreaterThan(0);

    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('garage');
    await expect.poll(() => list.getByRole('button', { name: /^Rename/ }).count(), WAIT).toBe(1);
    await search.fill('');
    await expect.poll(() => list.getByRole('button', { name: /^Rename/ }).count(), WAIT).toBeGreaterThan(1);

    await list.getByRole('button', { name: 'Rename “When does the parking garage open?”' }).click();
    await list.getByRole('textbox', { name: 'New title' }).fill('Parking and offices');
    await list.getByRole('button', { name: 'Save' }).click();
    await list.getByRole('button', { name: 'Parking and offices', exact: true }).waitFor(WAIT);

    await list.getByRole('button', { name: 'Delete “Parking and offices”' }).click();
    await list.getByRole('button', { name: 'Confirm delete' }).click();
    await expect
      .poll(() => list.getByRole('button', { name: 'Parking and offices', exact: true }).count(), WAIT)
      .toBe(0);
    // The open conversation was deleted: the app returns to a new chat.
    await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe('/');
    const remaining = await page.request.get(`${server.url}/api/conversations`);
    const body = (await remaining.json()) as { conversations: Array<{ title: string }> };
    expect(body.conversations.map((conversation) => conversation.title)).not.toContain('Parking and offices');
    expect(conversationUrl).toBeTruthy();
  });

  it('shows usage and status pages, on a phone and in the dark theme', async () => {
    await page.goto(`${server.url}/usage`);
    await page.getByRole('heading', { name: 'Usage' }).waitFor(WAIT);
    await page.getByRole('img', { name: /Tokens per day/ }).waitFor(WAIT);
    expect(await visibleText(page.getByRole('table').first())).toContain('Calls');
    await saveScreenshot(page, 'usage');

    await page.goto(`${server.url}/status`);
    await page.getByText('All dependencies are healthy.').waitFor(WAIT);
    expect(await visibleText(page.getByTestId('version'))).toMatch(/^\d+\.\d+\.\d+/);
    expect(await visibleText(page.locator('table'))).toContain('healthy');
    expect(await visibleText(page.locator('.facts'))).toContain('local:extractive');
    await saveScreenshot(page, 'status');

    await page.getByRole('button', { name: 'Use dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.goto(conversationUrl.replace(/\/chat\/.*/, '/'));
    await page.setViewportSize({ width: 390, height: 780 });
    await page.getByLabel('Knowledge base', { exact: true }).selectOption('handbook');
    await ask(page, 'What is the policy on remote work?');
    await saveScreenshot(page, 'chat-phone-dark');
    // On a phone the conversation list folds behind a button.
    const toggle = page.getByRole('button', { name: 'Conversations' });
    expect(await toggle.isVisible()).toBe(true);
    await toggle.click();
    expect(await page.getByRole('button', { name: 'New chat' }).isVisible()).toBe(true);
  });

  it('says the server cannot be reached and keeps the message', async () => {
    // Last: this stops the server.
    await page.goto(server.url);
    await page.getByLabel('Message', { exact: true }).waitFor(WAIT);
    await server.stop();
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('Is anyone there?');
    await box.press('Enter');
    const alert = page.locator('.chat-column').getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await visibleText(alert)).toContain('Cannot reach the Godwit server');
    expect(await box.inputValue()).toBe('Is anyone there?');
    // The failed question is not left in the transcript as if it had been sent.
    expect(await page.getByRole('article', { name: 'Your message' }).count()).toBe(0);
  });
});
