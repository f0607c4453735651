/**
 * Screenshots of each page: always written to test-results/screenshots/ (a test artifact); with
 * GODWIT_UPDATE_SCREENSHOTS=1 also to docs/images/, where the docs show them.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');
const DOCS_IMAGES = join(ROOT, 'docs', 'images');

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  if (process.env.GODWIT_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(path, join(DOCS_IMAGES, `web-${name}.png`));
  }
  return path;
}
