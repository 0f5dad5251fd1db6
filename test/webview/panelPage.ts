import type { Browser, Page } from 'playwright-core';
import type { HostMessage, RunView } from '../../src/protocol';
import { startStandInHost, type StandInTheme } from './standInHost';

/** The panel in a page of its own, behind a stand-in host in `theme`, sent one snapshot of `runs` and drawn. */
export async function openPanel(browser: Browser, theme: StandInTheme, runs: readonly RunView[]): Promise<{ page: Page; close(): Promise<void> }> {
  const host = await startStandInHost(theme);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  const snapshot: HostMessage = { type: 'snapshot', runs, problems: [], defaultSmoothing: 0.6, now: Date.now() };
  await page.evaluate((message) => window.postMessage(message, '*'), snapshot);
  await page.waitForFunction((count) => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === String(count), runs.length);
  return { page, close: async () => (await page.close(), await host.close()) };
}
