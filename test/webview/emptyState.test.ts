import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { WebviewMessage } from '../../src/protocol';
import { ARTIFACTS, launchChromium } from '../chromium';
import { startStandInHost } from './standInHost';

let browser: Browser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

test('the empty panel names every format it reads, the three ways to get token accuracy, and runs the dump helper command', async () => {
  const host = await startStandInHost('dark');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(host.url);
    const posted = (): Promise<WebviewMessage[]> => page.evaluate(() => (window as unknown as { posted: WebviewMessage[] }).posted);
    await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
    const formats = await page.locator('#empty-formats li').allInnerTexts();
    // The formats of the README's "What it reads", each recognised by the file a user would see.
    for (const file of [
      'trainer_state.json',
      'trainer_log.jsonl',
      'tfevents',
      'metrics.csv',
      'mlruns/',
      'mlflow.db',
      '.wandb',
      '*.log',
      '*.ipynb',
      'eval_outputs/',
    ]) {
      assert.ok(
        formats.some((line) => line.includes(file)),
        `${file} in:\n${formats.join('\n')}`,
      );
    }
    const empty = await page.locator('#empty').innerText();
    assert.match(empty, /SFTTrainer[\s\S]*eval_mean_token_accuracy/);
    assert.match(empty, /compute_metrics/);
    assert.match(empty, /TokenAccuracyLensDump/);
    await page.screenshot({ path: join(ARTIFACTS, 'webview-empty-state.png'), fullPage: true });
    await page.locator('#empty-add-dump-helper').click();
    assert.deepEqual((await posted()).at(-1), { type: 'addDumpHelper' });
  } finally {
    await page.close();
    await host.close();
  }
});
