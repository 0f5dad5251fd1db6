import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../chromium';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { buildCalibrationView, type CalibrationInput } from '../../src/core/tokens/calibrationView';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import type { HostMessage, WebviewMessage } from '../../src/protocol';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

const RUN = '/ws/sft-dumps';
const STEPS = [100, 200, 300, 400, 500];
// A run seen only through its evaluation outputs: accuracy climbs while the loss turns up after step 200,
// because confidence rises faster than accuracy and wrong tokens get confidently wrong.
const accuracy = [0.42, 0.47, 0.5, 0.52, 0.53];
const nllCorrect = [0.9, 0.6, 0.4, 0.3, 0.25];
const nllWrong = [3.2, 3.5, 4.6, 5.8, 6.9];
const confidence = [0.45, 0.55, 0.68, 0.78, 0.85];

function summary(i: number): TokenSummary {
  const a = accuracy[i] ?? 0;
  const c = confidence[i] ?? 0;
  const reliability = Array.from({ length: 15 }, (_, b) => {
    const middle = (b + 0.5) / 15;
    return { lower: b / 15, upper: (b + 1) / 15, count: 100, confidence: middle, accuracy: Math.max(0, middle - (c - a) * (b / 14)) };
  });
  const meanNll = a * (nllCorrect[i] ?? 0) + (1 - a) * (nllWrong[i] ?? 0);
  return {
    tokens: 1500,
    correct: Math.round(a * 1500),
    accuracy: a,
    probabilities: {
      meanNll,
      medianNll: meanNll / 3,
      nllCorrect: nllCorrect[i] ?? 0,
      nllWrong: nllWrong[i] ?? 0,
      wrongConfidenceTerm: 0,
      wrongGapTerm: 0,
      meanConfidence: c,
      ece: c - a,
      eceEqualMass: c - a,
      maxCalibrationError: 0,
      brierTopLabel: 0,
      worstPercentNllShare: 0.1,
      reliability,
    },
    logits: {
      meanEntropy: 1,
      top5Accuracy: 0.8,
      brier: 0.5,
      meanLabelRank: 3,
      temperature: { temperature: 1 + i * 0.3, nll: meanNll * 0.8 - i * 0.05, method: 'exact', passes: 3, rows: 1500, atSearchEdge: false },
    },
  };
}

const inputs: CalibrationInput[] = STEPS.map((step, i) => ({
  step,
  alignment: 'logits; shifted (position t predicts label t+1), from default; ignore index -100, from metadata',
  summary: summary(i),
  correctness: Uint8Array.from({ length: 1500 }, (_, t) => (t < Math.round((accuracy[i] ?? 0) * 1500) ? 1 : 0)),
}));
const calibration = buildCalibrationView(RUN, inputs);

const store = new RunStore();
store.addPoints(
  RUN,
  { path: `${RUN}/eval_outputs/step-100.safetensors`, format: 'eval-outputs' },
  STEPS.flatMap((step, i) => [
    { key: 'eval_token_accuracy_computed', step, value: accuracy[i] ?? 0 },
    { key: 'eval_nll_computed', step, value: summary(i).probabilities?.meanNll ?? 0 },
  ]),
);
const view = buildRunView(store.snapshot(RUN) ?? assert.fail(), 'sft-dumps', {}, Date.now());

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function posted(): Promise<WebviewMessage[]> {
  return page.evaluate(() => (window as unknown as { posted: WebviewMessage[] }).posted);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('a run with evaluation outputs asks for its calibration view and draws it', async () => {
  // The host's clock rides along for the panel's live/idle marks; a panel that does not read it ignores it.
  const snapshot = { type: 'snapshot' as const, runs: [view], problems: [], defaultSmoothing: 0.6, now: Date.now() };
  await send(snapshot);
  await page.waitForFunction(() => (window as unknown as { posted: { type: string }[] }).posted.some((message) => message.type === 'requestCalibration'));
  assert.deepEqual(
    (await posted()).filter((message) => message.type === 'requestCalibration'),
    [{ type: 'requestCalibration', runId: RUN }],
  );
  await send({ type: 'calibration', runId: RUN, view: calibration });
  await page.waitForSelector('#calibration:not([hidden])');
  assert.equal(await page.getAttribute('#calibration', 'data-points'), '5');
  assert.match(
    await page.locator('#calibration-alignment').innerText(),
    /shifted \(position t predicts label t\+1\), from default; ignore index -100, from metadata/,
  );
  assert.match(
    await page.locator('#calibration-paired').innerText(),
    /step 200 \(least loss\) against step 500: 90 tokens became right, 0 became wrong .* Misleading loss confirmed/,
  );
  assert.deepEqual(await page.locator('#calibration-step option').allInnerTexts(), STEPS.map(String));
  assert.equal(await page.inputValue('#calibration-step'), '500', 'the reliability diagram starts at the last evaluation');
  for (const id of ['trend', 'reliability', 'split', 'loss']) {
    const painted = await page.evaluate((canvasId) => {
      const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let ink = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) ink++;
      return ink;
    }, `calibration-${id}`);
    assert.ok(painted > 1000, `the ${id} chart is drawn (${painted} painted pixels)`);
  }
  await page.selectOption('#calibration-step', '100');
  assert.equal(await page.inputValue('#calibration-step'), '100');
  await page.locator('#calibration').screenshot({ path: join(ARTIFACTS, 'calibration.png') });
  const violations = await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
  assert.deepEqual(violations, [], 'the charts need nothing the Content Security Policy forbids');
});

test('a warning whose evidence holds a NaN (null once posted) still lists, with its other numbers, and the panel goes on drawing', async () => {
  const warning = {
    kind: 'misleading-loss',
    form: 'rising',
    confidence: 'low',
    step: 500,
    startStep: 200,
    message: 'Eval loss is up.',
    evidence: { bestLossStep: 200, pairedTestSequences: NaN },
  } as const;
  await send({ type: 'snapshot', runs: [{ ...view, warnings: [...view.warnings, warning] }], problems: [], defaultSmoothing: 0.6, now: Date.now() });
  // The evidence sits in a closed <details>: there, not shown.
  const list = '#warnings li[data-kind="misleading-loss"] .evidence';
  await page.waitForSelector(list, { state: 'attached' });
  const evidence = (await page.locator(list).textContent()) ?? '';
  assert.match(evidence, /bestLossStep = 200/);
  assert.match(evidence, /pairedTestSequences = not a number/);
  await send({ type: 'calibration', runId: RUN, view: calibration });
  await page.waitForSelector('#calibration:not([hidden])');
});
