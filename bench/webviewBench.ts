// The panel's first draw on the webview's side: with 1,000 runs open, the page parses the first message (coarse
// series, as the host posts it) and draws its first chart; then the same for the full snapshot. Debian's Chromium
// headless, the panel's own page behind the tests' stand-in host; skipped, saying so, where Chromium is missing.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunStore } from '../src/core/runStore';
import { buildRunView, type RunView } from '../src/core/runView';
import { coarseView, FIRST_DRAW_MAX_POINTS, viewPoints } from '../src/core/firstDraw';
import { CHROMIUM_ARGS } from '../test/chromium';
import { startStandInHost } from '../test/webview/standInHost';
import type { Row } from './timing';

const RUNS = 1000;

/** What the function run in the page uses of it (the bench is type-checked for Node, without the DOM's types). */
interface PageGlobals {
  readonly posted: readonly unknown[];
  readonly document: { querySelector(selector: string): unknown };
  postMessage(message: unknown, targetOrigin: string): void;
  requestAnimationFrame(callback: () => void): number;
}
const STEPS = 5000;

/** 1,000 runs of 5,000 train logs and 100 evaluations each, in memory: the views the session would hold. */
function views(): RunView[] {
  const store = new RunStore();
  for (let r = 0; r < RUNS; r++) {
    const batch = [];
    for (let step = 1; step <= STEPS; step++) {
      batch.push({ key: 'loss', step, value: 2 / Math.log(step + 2) + 0.001 * (r % 7), epoch: step / 1000 });
      if (step % 50 === 0) batch.push({ key: 'eval_loss', step, value: 1.5 - step / 1e4 }, { key: 'eval_accuracy', step, value: 0.4 + step / 2e4 });
    }
    store.addPoints(`/runs/${r}`, { path: `/runs/${r}/trainer_log.jsonl`, format: 'jsonl' }, batch);
  }
  return store.snapshots().map((run) => buildRunView(run, run.id));
}

interface DrawTimes {
  readonly parse: number;
  /** The first chart painted with data. */
  readonly draw: number;
  /** Every run drawn: the panel fills in with many runs, and says so on its body until it is done. */
  readonly all: number;
}

/**
 * Milliseconds from the message's text to its first chart painted, and to every run drawn, in a fresh page each
 * time: JSON.parse (as the webview's side of postMessage does), the message handler, and the next frames until
 * the accuracy chart says it drew runs. Polled at the start of each animation frame, that is after the frame that
 * drew was painted, so to about 16 ms.
 */
async function firstDrawMs(url: string, text: string): Promise<DrawTimes> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const samples: DrawTimes[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).posted.length > 0);
      samples.push(
        await page.evaluate(
          (message) =>
            new Promise<DrawTimes>((done) => {
              const window = globalThis as unknown as PageGlobals;
              const start = performance.now();
              const parsed = JSON.parse(message) as unknown;
              const parse = performance.now() - start;
              window.postMessage(parsed, '*');
              let draw: number | undefined;
              const check = (): void => {
                if (draw === undefined && window.document.querySelector('#accuracy-chart[data-runs]') !== null) draw = performance.now() - start;
                if (draw !== undefined && window.document.querySelector('body[data-filling]') === null) done({ parse, draw, all: performance.now() - start });
                else window.requestAnimationFrame(check);
              };
              window.requestAnimationFrame(check);
            }),
          text,
        ),
      );
      await page.close();
    }
    return samples.sort((a, b) => a.draw - b.draw)[1] as DrawTimes;
  } finally {
    await browser.close();
  }
}

/** `root`: the checkout whose bundle the page loads (an A/B run points it at another build). */
export async function webviewBench(root = resolve(__dirname, '../..')): Promise<Row[]> {
  const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return [['panel first draw in the webview: 1,000 runs', `skipped: no Chromium at ${chromiumPath}`, '—']];
  const held = views();
  const coarse = viewPoints(held) > FIRST_DRAW_MAX_POINTS;
  const message = (runs: readonly RunView[]): string => JSON.stringify({ type: 'snapshot', runs, problems: [], defaultSmoothing: 0.6, now: Date.now() });
  const first = message(coarse ? held.map((view) => coarseView(view)) : held);
  const full = message(held);
  const host = await startStandInHost('dark', root);
  try {
    const firstDraw = await firstDrawMs(host.url, first);
    const fullDraw = await firstDrawMs(host.url, full);
    return [
      [
        'panel first draw in the webview: 1,000 runs × 10,200 points (headless Chromium)',
        `first message (${coarse ? 'coarse' : 'full'}, ${(first.length / 1e6).toFixed(1)} MB): parsed in ${firstDraw.parse.toFixed(0)} ms, first chart drawn after ${firstDraw.draw.toFixed(0)} ms, all runs drawn after ${firstDraw.all.toFixed(0)} ms; the full snapshot (${(full.length / 1e6).toFixed(1)} MB): ${fullDraw.parse.toFixed(0)} ms, ${fullDraw.draw.toFixed(0)} ms, ${fullDraw.all.toFixed(0)} ms`,
        `${(firstDraw.draw / fullDraw.draw).toFixed(2)}× drawing from the full snapshot; budget 300 ms to the first draw (host side in the session rows)`,
      ],
    ];
  } finally {
    await host.close();
  }
}
