import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { SimulatedFormat } from '../../scripts/simulateTraining.mjs';
import { buildRunView } from '../../src/core/runView';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import type { RunView } from '../../src/protocol';
import { ARTIFACTS, launchChromium } from '../chromium';
import { openPanel } from './panelPage';
import type { StandInTheme } from './standInHost';

/**
 * The panel with 1, 5 and 12 runs in the light and dark themes (issue 12), from the demo's simulated runs read by
 * the extension's own readers. Each screenshot is a test: every run is listed in the run list and the runs table,
 * every chart is painted, and no two chart labels overlap. Screenshots go into test-results/ only.
 */
const REPO = resolve(__dirname, '../../..');
const FORMATS: readonly SimulatedFormat[] = ['hf', 'jsonl', 'tensorboard', 'lightning', 'mlflow'];
const FOLDERS: Readonly<Record<SimulatedFormat, string>> = { hf: 'outputs', jsonl: 'logs', tensorboard: 'tb', lightning: 'lightning', mlflow: 'mlflow' };
const EVALS = 20;
const MOST = 12;

let workspace: string;
let browser: Browser;
let views: RunView[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  workspace = mkdtempSync(join(tmpdir(), 'tal-run-counts-'));
  const { simulate } = (await import(pathToFileURL(join(REPO, 'scripts', 'simulateTraining.mjs')).href)) as typeof import('../../scripts/simulateTraining.mjs');
  // Twelve runs cycling through the five formats the demo writes, each in a folder of its own.
  const runs = Array.from({ length: MOST }, (_, i) => {
    const format = FORMATS[i % FORMATS.length] ?? assert.fail();
    return { dir: join(workspace, FOLDERS[format], `run-${String(i + 1).padStart(2, '0')}`), format };
  });
  await Promise.all(runs.map((run) => simulate({ dir: run.dir, format: run.format, evals: EVALS, intervalMs: 0 })));
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  for (const file of await walkLogs(workspace)) await ingest.ingest(file);
  const now = Date.now();
  // Ordered by run number so that the first five mix the five formats.
  views = ingest.store
    .runIds()
    .map((id) => ({ id, folder: relative(workspace, id) }))
    .sort((a, b) => a.folder.split('/')[1]?.localeCompare(b.folder.split('/')[1] ?? '') ?? 0)
    .map(({ id, folder }, i) => buildRunView(ingest.store.snapshot(id) ?? assert.fail(), folder, {}, i < 2 ? now : now - 3_600_000));
  ingest.dispose();
  assert.equal(views.length, MOST, views.map((view) => view.label).join(', '));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

const panel = (theme: StandInTheme, runs: readonly RunView[]): ReturnType<typeof openPanel> => openPanel(browser, theme, runs);

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly text: string;
}

const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every visible chart canvas: its id, how many of its pixels are coloured (a run's line or marker), and the labels it drew. */
async function charts(page: Page): Promise<{ id: string; colouredPixels: number; labels: Box[] }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('canvas')]
      .filter((canvas) => canvas.id !== '' && canvas.clientWidth > 0 && canvas.clientHeight > 0)
      .map((canvas) => {
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let colouredPixels = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
          if (Math.max(r, g, b) - Math.min(r, g, b) >= 60) colouredPixels++;
        }
        return { id: canvas.id, colouredPixels, labels: JSON.parse(canvas.dataset['labels'] ?? '[]') as Box[] };
      }),
  );
}

for (const count of [1, 5, MOST]) {
  for (const theme of ['light', 'dark'] as const) {
    test(`the panel with ${count} run(s) in the ${theme} theme lists every run, paints every chart and keeps chart labels apart`, async () => {
      const runs = views.slice(0, count);
      const shown = await panel(theme, runs);
      try {
        await shown.page.screenshot({ path: join(ARTIFACTS, `webview-runs-${count}-${theme}.png`), fullPage: true });
        for (const run of runs) {
          const listed = await shown.page.locator(`input[data-run-id="${run.id}"]`).count();
          const rows = await shown.page.locator(`tr[data-run-id="${run.id}"]`).count();
          assert.equal(listed, 1, `${run.label} is in the run list once`);
          assert.equal(rows, 1, `${run.label} is in the runs table once`);
        }
        const drawn = await charts(shown.page);
        const ids = drawn.map((chart) => chart.id);
        assert.ok(ids.includes('loss-chart') && ids.includes('accuracy-chart'), `charts drawn: ${ids.join(', ')}`);
        // Up to six runs are annotated, so the overlap check below has labels to check; with twelve it may have none.
        if (count <= 6) assert.ok((drawn.find((chart) => chart.id === 'loss-chart')?.labels.length ?? 0) > 0, 'the loss chart has annotation labels');
        // Each run's eval accuracy (20 evaluations) keeps a marker on every raw value, however many runs are drawn here.
        assert.equal(await shown.page.getAttribute('#accuracy-chart', 'data-markers'), String(count * EVALS));
        for (const chart of drawn) {
          assert.ok(chart.colouredPixels >= 200, `${chart.id} is painted with the runs' colours (${chart.colouredPixels} coloured pixels)`);
          const { labels } = chart;
          labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => assert.ok(!overlap(a, b), `${chart.id}: "${a.text}" overlaps "${b.text}"`)));
        }
      } finally {
        await shown.close();
      }
    });
  }
}
