import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import type { MetricPoint } from '../../src/core/types';
import { ARTIFACTS, launchChromium } from '../chromium';
import { misleadingRunPoints } from '../fixtures/runs';
import { openPanel } from './panelPage';

/**
 * Runs read from a notebook's printed Trainer dicts have the epoch for x: the panel's step axis says "epoch" when
 * they are all it draws, and names them beside runs that count steps.
 */
let browser: Browser;

function view(id: string, label: string, points: readonly MetricPoint[], xUnit: 'step' | 'epoch'): ReturnType<typeof buildRunView> {
  const store = new RunStore();
  store.addPoints(id, { path: id, format: xUnit === 'epoch' ? 'jupyter-notebook' : 'jsonl' }, [...points]);
  return buildRunView(store.snapshot(id) ?? assert.fail(), label, {}, null, [], {}, undefined, xUnit);
}

const byEpoch = view(
  '/ws/ft.ipynb#cell-3',
  'ft.ipynb · cell 3',
  misleadingRunPoints().map((point) => ({ ...point, step: point.step / 200, epoch: point.step / 200 })),
  'epoch',
);
const bySteps = view('/ws/sft', 'sft', misleadingRunPoints(), 'step');

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('a notebook run whose x is the epoch: the step axis is titled epoch, the crosshair says epoch, no note', async () => {
  const panel = await openPanel(browser, 'dark', [byEpoch]);
  try {
    const { page } = panel;
    assert.equal(await page.getAttribute('#accuracy-chart', 'data-x-axis'), 'epoch');
    assert.doesNotMatch((await page.getAttribute('#accuracy-chart', 'aria-label')) ?? '', /\bstep\b/);
    assert.equal(await page.locator('#unplaced').isHidden(), true);
    const row = await page.locator('#summary tr[data-run-id="/ws/ft.ipynb#cell-3"]').innerText();
    assert.match(row, /\bepoch 5\b/, 'the runs table says the x it shows is the epoch');
    assert.match(row, /epoch 1\.5 vs 5/);
    const box = (await page.locator('#loss-chart').boundingBox()) ?? assert.fail();
    // The tip shows near a logged evaluation: the pointer sweeps the chart until it is by one.
    for (let at = 0.1; at < 0.95 && (await page.locator('#accuracy-tip').isHidden()); at += 0.01)
      await page.mouse.move(box.x + box.width * at, box.y + box.height * 0.4);
    assert.match(await page.locator('#accuracy-tip strong').innerText(), /^epoch \d+(\.\d+)?$/);
    await page.screenshot({ path: join(ARTIFACTS, 'webview-epoch-axis.png') });
  } finally {
    await panel.close();
  }
});

test('beside a run that counts steps, the axis stays step and a note names the run drawn at its epoch', async () => {
  const panel = await openPanel(browser, 'dark', [byEpoch, bySteps]);
  try {
    const { page } = panel;
    assert.equal(await page.getAttribute('#accuracy-chart', 'data-x-axis'), 'step');
    assert.equal(
      await page.locator('#unplaced').innerText(),
      '1 run logs no step, only the epoch, and is drawn at its epoch on this step axis: ft.ipynb · cell 3. The epoch axis compares it with the runs that log epochs.',
    );
  } finally {
    await panel.close();
  }
});
