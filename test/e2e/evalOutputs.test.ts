import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../chromium';
import { compactSafetensors } from '../unit/tokenFiles';
import { panelFrame, runCommand, statusItem, Workbench } from './workbench';

const workbench = new Workbench();
let page: Page;
let workspace: string;

/**
 * A run known only by its evaluation outputs: eight evaluations of 2,000 tokens in which accuracy climbs
 * 40% → 47% while the wrong tokens get ever more expensive, so the loss bottoms at step 300 and rises.
 */
function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-e2e-outputs-'));
  const folder = join(dir, 'outputs', 'dumps-run', 'eval_outputs');
  mkdirSync(folder, { recursive: true });
  const tokens = 2000;
  const labels = Array.from({ length: tokens }, (_, i) => i % 100);
  for (let k = 0; k < 8; k++) {
    const right = Math.round((0.4 + 0.01 * k) * tokens);
    const nllRight = 0.8 - 0.05 * k;
    const nllWrong = 2.2 + 0.25 * Math.max(0, k - 2) ** 1.3;
    const predictions = labels.map((label, i) => (i < right ? label : (label + 1) % 100));
    const labelLogProbs = labels.map((_, i) => -(i < right ? nllRight : nllWrong));
    const maxLogProbs = labels.map((_, i) => (i < right ? -nllRight : Math.log(0.5 + 0.05 * k)));
    writeFileSync(join(folder, `step-${(k + 1) * 100}.safetensors`), compactSafetensors(labels, predictions, labelLogProbs, maxLogProbs));
  }
  return dir;
}

before(async () => {
  workspace = makeWorkspace();
  page = await workbench.open(workspace);
});

after(async () => {
  await workbench.close('e2e-eval-outputs-last.png');
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

test('evaluation outputs alone give the status bar its computed token accuracy', { timeout: 90_000 }, async () => {
  await statusItem(page).waitFor({ timeout: 80_000 });
  await page.waitForFunction(
    () => [...document.querySelectorAll('#workbench\\.parts\\.statusbar .statusbar-item')].some((item) => item.textContent?.includes('47.0%')),
    undefined,
    { timeout: 30_000 },
  );
});

test('the panel shows the confirmed warning and the calibration section of the run', { timeout: 90_000 }, async () => {
  await runCommand(page, 'Token Accuracy Lens: Open Metrics Panel');
  const frame = panelFrame(page);
  await frame.locator('#calibration:not([hidden])').waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('#calibration').getAttribute('data-points'), '8');
  assert.match(await frame.locator('#calibration-alignment').innerText(), /compact; aligned \(no shift\), from metadata; ignore index -100, from default/);
  assert.match(
    await frame.locator('#calibration-paired').innerText(),
    /step 300 \(least loss\) against step 800: 100 tokens became right, 0 became wrong .* Misleading loss confirmed/,
  );
  assert.match(
    await frame.locator('#warnings').innerText(),
    /from its minimum at step 300.*The evaluation outputs confirm it: 100 tokens became right and 0 wrong/s,
  );
  await frame.locator('#calibration').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-calibration.png') });
});
