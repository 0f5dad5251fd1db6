import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import type { CodeServer } from '../../scripts/vscode-host/codeServer.mjs';
import { ARTIFACTS, launchChromium } from '../chromium';

const REPO = resolve(__dirname, '../../..');
const VSIX = join(REPO, 'dist', 'token-accuracy-lens.vsix');

/** The host scripts are plain ES modules shared with the demo; loaded at run time so the bundle keeps their own paths. */
async function codeServerModule(): Promise<typeof import('../../scripts/vscode-host/codeServer.mjs')> {
  return import(pathToFileURL(join(REPO, 'scripts', 'vscode-host', 'codeServer.mjs')).href) as Promise<
    typeof import('../../scripts/vscode-host/codeServer.mjs')
  >;
}

/**
 * code-server with the packaged extension, open in headless Chromium. Each part is kept as soon as it has
 * started, so that `close` stops whatever did start when a later step failed.
 */
export class Workbench {
  #server: CodeServer | undefined;
  #browser: Browser | undefined;
  #page: Page | undefined;

  /** `extensionFolders`: more extensions loaded from source beside the packaged one (a test's helper that drives the notebook API). */
  async open(workspace: string, extensionFolders: readonly string[] = []): Promise<Page> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { startCodeServer } = await codeServerModule();
    const server = await startCodeServer({ workspace, vsix: VSIX });
    this.#server = server;
    const browser = await launchChromium();
    this.#browser = browser;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.#page = page;
    const payload = extensionFolders.map((folder) => ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${folder}`]);
    await page.goto(payload.length === 0 ? server.url : `${server.url}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    return page;
  }

  /** Saves what the page last showed as `screenshot` in the artifacts, for a person to see where a test stopped. */
  async close(screenshot: string): Promise<void> {
    await this.#page?.screenshot({ path: join(ARTIFACTS, screenshot) }).catch(() => undefined);
    await this.#browser?.close();
    await this.#server?.stop();
  }
}

/** The extension's status-bar item, there once the extension has read the workspace's runs. */
export const statusItem = (page: Page): Locator => page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'Token acc' });

/** The metrics panel's own document, inside the webview's two frames. */
export function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Types into the quick input (F1) and accepts once a row holding `row` is listed. */
export async function quickInput(page: Page, text: string, row: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Runs a command by its palette title, `Category: Title`. */
export function runCommand(page: Page, title: string): Promise<void> {
  return quickInput(page, `>${title}`, title.split(': ')[1] ?? title);
}

/** Opens a workspace file by name through quick open, and waits for its editor tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await quickInput(page, name, name);
  await page.locator('.tab.active', { hasText: name }).waitFor();
}
