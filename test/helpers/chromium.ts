/** Debian's Chromium (apt-get install chromium), driven by playwright-core: the samples' browser tests. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const executablePath = '/usr/bin/chromium';

/** True when Chromium is installed; otherwise warns that `what` is skipped. */
export function hasChromium(what: string): boolean {
  const found = existsSync(executablePath);
  if (!found) console.warn(`Skipping ${what}: ${executablePath} is missing (apt-get install chromium).`);
  return found;
}

/** Headless, offline-friendly: no sandbox (containers), no QUIC, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
