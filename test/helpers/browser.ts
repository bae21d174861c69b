// Debian's chromium (installed by .ci/run) driven by playwright-core, with the flags this closed
// network needs (../shared/GUIDE.md): without the background-networking flags Chromium floods the
// network with refused connections; as root it needs --no-sandbox.
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.RERANKIT_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface BrowserHandle { browser: Browser; close(): Promise<void> }

/** Launches a fresh Chromium; playwright gives each launch a new temporary profile and removes it. */
export async function launchBrowser(): Promise<BrowserHandle> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return { browser, close: () => browser.close() };
}
