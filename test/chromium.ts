import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Screenshots the tests save, for a person to look at (the bundles run from out/test/<layer>/). */
export const ARTIFACTS = join(resolve(__dirname, '../../..'), 'test-results');

/** Debian's Chromium, with the flags a closed network needs (no background connections, no sandbox as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}
