import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../chromium';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { buildTokensView } from '../../src/core/tokens/tokenContexts';
import type { TokenRecords } from '../../src/core/tokens/tokenRecords';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import type { HostMessage, WebviewMessage } from '../../src/protocol';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

const RUN = '/ws/sft-dumps';
// Four sequences of one sentence: " the" gets confidently wrong at the later evaluation, " cat" merely less sure.
const WORDS = ['The', ' cat', ' sat', ' on', ' the', ' mat', '.'];
const sequences = 4;
const labels = Array.from({ length: sequences * WORDS.length }, (_, i) => i % WORDS.length);
function evaluation(step: number, late: boolean): { step: number; correctness: Uint8Array; records: TokenRecords; summary: TokenSummary } {
  const word = (i: number): string => WORDS[(labels[i] as number) % WORDS.length] as string;
  const nll = labels.map((_, i) => (late && word(i) === ' the' ? 3 : late && word(i) === ' cat' ? 1.2 : 0.4));
  return {
    step,
    correctness: Uint8Array.from(labels, (_, i) => (late && word(i) === ' the' ? 0 : 1)),
    records: {
      labels: Int32Array.from(labels),
      sequence: Int32Array.from(labels, (_, i) => Math.floor(i / WORDS.length)),
      position: Int32Array.from(labels, (_, i) => i % WORDS.length),
      nll: Float32Array.from(nll),
      confidence: Float32Array.from(labels, (_, i) => (late && word(i) === ' the' ? 0.97 : late && word(i) === ' cat' ? 0.4 : 0.7)),
    },
    summary: {
      tokens: labels.length,
      correct: 0,
      accuracy: 0,
      probabilities: { meanNll: nll.reduce((a, b) => a + b, 0) / nll.length },
    } as unknown as TokenSummary,
  };
}
const tokens = buildTokensView(RUN, [evaluation(200, false), evaluation(500, true)], {}, { decode: (ids) => ids.map((id) => WORDS[id] ?? '?').join('') });

const store = new RunStore();
store.addPoints(RUN, { path: `${RUN}/eval_outputs/step-200.safetensors`, format: 'eval-outputs' }, [
  { key: 'eval_token_accuracy_computed', step: 200, value: 1 },
  { key: 'eval_token_accuracy_computed', step: 500, value: 0.86 },
]);
const view = buildRunView(store.snapshot(RUN) ?? assert.fail(), 'sft-dumps', {}, Date.now());

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
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

test('the Tokens section lists the tokens carrying the rise, sorts them, and shows a chosen token’s contexts at both evaluations', async () => {
  await send({ type: 'snapshot', runs: [view], problems: [], defaultSmoothing: 0.6, now: Date.now() });
  await page.waitForFunction(() => (window as unknown as { posted: { type: string }[] }).posted.some((message) => message.type === 'requestTokens'));
  const asked = (await page.evaluate(() => (window as unknown as { posted: WebviewMessage[] }).posted)).filter((message) => message.type === 'requestTokens');
  assert.deepEqual(asked, [{ type: 'requestTokens', runId: RUN }]);
  await send({ type: 'tokens', runId: RUN, view: tokens });
  await page.waitForSelector('#tokens:not([hidden])');
  assert.match(await page.locator('#tokens-note').innerText(), /Step 200 → 500: .*28 positions paired, 7 of 7 tokens listed/);
  assert.match(await page.locator('#tokens-buckets').innerText(), /By position in the sequence: 0–15 \(28 positions\): share 100\.0%/);
  assert.deepEqual((await page.locator('#tokens-table tbody th').allInnerTexts()).slice(0, 2), ['" the"', '" cat"']);
  assert.match(await page.locator('#tokens-table tbody tr').first().innerText(), /4\s+76\.5%.*100\.0% → 0\.0% \(-100\.0\)\s+0 → 4/);
  await page.click('#tokens-sort-accuracy');
  assert.equal(await page.locator('#tokens-table tbody th').first().innerText(), '" the"');
  const named = await page.locator('#tokens-table tbody th button').first().elementHandle();
  await page.click('#tokens-sort-share');
  assert.ok(named !== null && (await named.evaluate((element) => element.isConnected)), 'rows are kept, not rebuilt, when sorted');
  await page.locator('#tokens-table tbody th button', { hasText: '" the"' }).click();
  await page.waitForSelector('.token-context');
  assert.equal(await page.locator('#tokens-contexts-title').innerText(), 'Contexts of " the"');
  assert.equal(await page.locator('.token-context').count(), 3);
  const first = page.locator('.token-context').first();
  assert.deepEqual(await first.locator('.token-context-line').first().locator('.context-token').allInnerTexts(), WORDS);
  assert.equal(await first.locator('.token-context-line').nth(1).locator('.context-centre.context-wrong').count(), 1, 'wrong at the later evaluation');
  assert.equal(await first.locator('.token-context-line').nth(0).locator('.context-centre.context-right').count(), 1, 'right at the earlier one');
  const shade = await first
    .locator('.token-context-line')
    .nth(1)
    .locator('.context-centre')
    .evaluate((element) => getComputedStyle(element).opacity);
  assert.ok(Math.abs(Number(shade) - (0.25 + 0.75 * 0.97)) < 1e-3, `shaded by its confidence: ${shade}`);
  await page.locator('#tokens').screenshot({ path: join(ARTIFACTS, 'tokens.png') });
  const violations = await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
  assert.deepEqual(violations, [], 'nothing the Content Security Policy forbids');
});
