/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Locator } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissingReason(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium\``;
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissingReason();
  if (missing) throw new Error(missing);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * `describe` when Chromium is installed; otherwise a skipped suite that prints why — unless
 * GODWIT_REQUIRE_SERVICES=1 (CI), where the missing browser fails the run.
 */
export function describeWithChromium(name: string, suite: () => void): void {
  const missing = chromiumMissingReason();
  if (!missing || process.env.GODWIT_REQUIRE_SERVICES === '1') {
    describe(name, suite);
    return;
  }
  console.warn(`Skipping "${name}": ${missing}`);
  describe.skip(`${name} (skipped: ${missing})`, suite);
}

/** The text a person sees in the element (Playwright's rendered `innerText`, not `textContent`). */
export function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: this is Playwright's rendered text, which the tests mean
  return locator.innerText();
}
