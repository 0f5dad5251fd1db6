// `node scripts/drawIcon.mjs`: draws the extension's 128×128 icon (media/icon.png, shown on the Extensions page)
// from the SVG below with headless Chromium, the one renderer the tests already need. The icon is the panel's
// story in one picture: the eval loss (dashed, orange) turns up while token accuracy (blue) keeps rising, under
// a lens. Run it again after changing the SVG and commit the PNG.
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const REPO = join(import.meta.dirname, '..');
const SIZE = 128;
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 128 128">
  <rect width="128" height="128" rx="24" fill="#1b2230"/>
  <path d="M16 104H112M16 24V104" stroke="#4a5568" stroke-width="3" fill="none" stroke-linecap="round"/>
  <path d="M20 30C34 66 46 80 60 80S92 66 110 50" stroke="#f0a33a" stroke-width="7" fill="none" stroke-linecap="round" stroke-dasharray="12 8"/>
  <path d="M20 96C40 76 58 56 110 32" stroke="#4ea1ff" stroke-width="8" fill="none" stroke-linecap="round"/>
  <circle cx="66" cy="62" r="20" stroke="#ffffff" stroke-width="6" fill="#ffffff" fill-opacity="0.12"/>
  <path d="M80 77L96 94" stroke="#ffffff" stroke-width="9" stroke-linecap="round"/>
</svg>`;

const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${SVG}</body></html>`);
  await page.locator('svg').screenshot({ path: join(REPO, 'media', 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
}
process.stdout.write('wrote media/icon.png\n');
