import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateTrainerState, logEntryMember, positionAt } from '../../src/core/jsonLocator';
import { currentStateFile, trainerStateFindings } from '../../src/core/trainerStateFindings';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { checkpointDisagreement } from '../../src/core/analysis/checkpointDisagreement';
import { nonFiniteValues } from '../../src/core/analysis/instability';
import { applyWarningSettings, DEFAULT_WARNING_SETTINGS } from '../../src/core/analysis/warningSettings';
import { parseTrainerState } from '../../src/core/formats/trainerStateFormat';
import type { Warning } from '../../src/core/analysis/warning';
import { evalRun, valley } from './warningFixtures';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';

const points = evalRun(12, valley(3), (k) => 0.4 + 0.01 * k);

/** A trainer_state.json as transformers writes it, kept by loss, with a NaN train log at step 50. */
function stateText(bestCheckpoint: string | null, bestMetric: number | null, newline = '\n'): string {
  const history: Record<string, number | string>[] = [{ loss: '__NaN__', step: 50 }];
  points.steps.forEach((step, k) =>
    history.push({ epoch: k + 1, eval_loss: points.loss[k] as number, eval_mean_token_accuracy: points.accuracy[k] as number, step }),
  );
  const state = { best_metric: bestMetric, best_model_checkpoint: bestCheckpoint, epoch: 12, global_step: 1200, log_history: history };
  return JSON.stringify(state, null, 2).replace('"__NaN__"', 'NaN').replace(/\n/g, newline) + newline;
}

const minLoss = Math.min(...points.loss);
const warnings = (): Warning[] => {
  const found = [
    misleadingLoss(points),
    checkpointDisagreement(points),
    nonFiniteValues({ trainLoss: { key: 'loss', series: { steps: [50], values: [Number.NaN] } } }),
  ];
  return applyWarningSettings(
    found.filter((warning): warning is Warning => warning !== undefined),
    DEFAULT_WARNING_SETTINGS,
  );
};
const keys = { evalLoss: 'eval_loss', trainLoss: 'loss', accuracy: points.measure };

test('the locator finds top-level members and log entries, NaN included', () => {
  const text = stateText('out/checkpoint-400', minLoss);
  const layout = locateTrainerState(text);
  assert.ok(layout);
  assert.equal(layout.logHistory.length, 13);
  assert.equal(layout.topLevel.get('best_model_checkpoint')?.raw, '"out/checkpoint-400"');
  const member = logEntryMember(layout, 400, 'eval_loss');
  assert.ok(member);
  assert.equal(text.slice(member.keyStart, member.valueEnd), `"eval_loss": ${points.loss[3]}`);
  assert.equal(logEntryMember(layout, 50, 'loss')?.raw, 'NaN');
  assert.equal(logEntryMember(layout, 400, 'loss'), undefined);
});

test('text cut short, as while it is being rewritten, is not located', () => {
  const text = stateText('out/checkpoint-400', minLoss);
  assert.equal(locateTrainerState(text.slice(0, text.length / 2)), undefined);
  assert.equal(locateTrainerState(''), undefined);
});

test('positions count lines and UTF-16 characters as the editor does, with \\r\\n line ends too', () => {
  assert.deepEqual(positionAt('{\n  "a": 1\n}', 4), { line: 1, character: 2 });
  assert.deepEqual(positionAt('{\r\n  "é😀": 1', 9), { line: 1, character: 6 });
  const text = stateText('out/checkpoint-400', minLoss, '\r\n');
  const member = locateTrainerState(text)?.topLevel.get('best_metric');
  assert.ok(member);
  assert.deepEqual(positionAt(text, member.keyStart), { line: 1, character: 2 });
});

test('a loss-based best checkpoint, the start of misleading loss and the first NaN are marked', () => {
  const text = stateText('out/checkpoint-400', minLoss);
  const layout = locateTrainerState(text);
  assert.ok(layout);
  const findings = trainerStateFindings(layout, warnings(), keys);
  const at = (start: number) => text.slice(start, text.indexOf('\n', start));
  assert.deepEqual(
    findings.map((finding) => [finding.kind, finding.severity, at(finding.start)]),
    [
      ['misleading-loss', 'warning', `"eval_loss": ${points.loss[3]},`],
      ['checkpoint-disagreement', 'warning', '"best_model_checkpoint": "out/checkpoint-400",'],
      ['checkpoint-disagreement', 'warning', `"best_metric": ${minLoss},`],
      ['instability', 'warning', '"loss": NaN,'],
    ],
  );
  assert.match(findings[0]?.message ?? '', /^From this eval on, the loss misleads\. Eval loss is up \d+% from its minimum at step 400/);
  assert.match(
    findings[1]?.message ?? '',
    /would load the best checkpoint by eval loss \(step 400\), but the best by token accuracy is step 1200 \(\d+\.\d points higher\)/,
  );
});

test('nothing is marked on a checkpoint already chosen by accuracy, nor on low-confidence warnings', () => {
  const layout = locateTrainerState(stateText('out/checkpoint-1200', 0.51));
  assert.ok(layout);
  const kinds = trainerStateFindings(layout, warnings(), keys).map((finding) => finding.kind);
  assert.deepEqual(kinds, ['misleading-loss', 'instability']);
  const low = warnings().map((warning) => ({ ...warning, confidence: 'low' as const }));
  assert.deepEqual(trainerStateFindings(layout, low, keys), []);
});

test('every real trainer_state.json sample is located, with the same log entries the reader finds', { skip: samplesSkipReason('trainer_state') }, () => {
  for (const name of [
    'Dheena731__tinyLlama-finetune__trainer_state.json',
    'syGOAT__Mistral-v0.2-Translator-bf16__trainer_state.json',
    'subro608__Deep_learning_Bert_project2__checkpoint-2400__trainer_state.json',
  ]) {
    const text = readFileSync(join(SAMPLES_DIR, 'trainer_state', name), 'utf8');
    const layout = locateTrainerState(text);
    assert.ok(layout, name);
    const parsed = parseTrainerState(text);
    assert.equal(parsed.kind, 'ok');
    const evalSteps = parsed.kind === 'ok' ? parsed.points.filter((point) => point.key === 'eval_loss') : [];
    for (const point of evalSteps) assert.equal(Number(logEntryMember(layout, point.step, 'eval_loss')?.raw), point.value, `${name} step ${point.step}`);
  }
});

test('the marks go in the run’s own trainer_state.json, else in its latest checkpoint’s', () => {
  const source = (path: string) => ({ path, format: 'hf-trainer-state' as const });
  const checkpoints = [
    source('/r/out/checkpoint-500/trainer_state.json'),
    source('/r/out/checkpoint-1500/trainer_state.json'),
    source('/r/out/checkpoint-900/trainer_state.json'),
  ];
  assert.equal(currentStateFile('/r/out', checkpoints), '/r/out/checkpoint-1500/trainer_state.json');
  assert.equal(currentStateFile('/r/out', [...checkpoints, source('/r/out/trainer_state.json')]), '/r/out/trainer_state.json');
  assert.equal(currentStateFile('/r/out', [{ path: '/r/out/log.jsonl', format: 'jsonl' }]), undefined);
});

test('escaped quotes and backslashes inside strings do not end them early', () => {
  const text = '{"note": "a \\"quoted\\" \\\\", "best_model_checkpoint": "C:\\\\runs\\\\checkpoint-7", "log_history": [{"step": 7, "eval_loss": 1}]}';
  const layout = locateTrainerState(text);
  assert.ok(layout);
  assert.equal(layout.topLevel.get('note')?.raw, '"a \\"quoted\\" \\\\"');
  assert.equal(layout.topLevel.get('best_model_checkpoint')?.raw, '"C:\\\\runs\\\\checkpoint-7"');
  assert.equal(logEntryMember(layout, 7, 'eval_loss')?.raw, '1');
});

test('a long run’s state (20,000 log entries) is located in one quick pass', () => {
  const history = Array.from({ length: 20_000 }, (_, i) => ({ epoch: i / 100, grad_norm: 1.25, learning_rate: 1e-5, loss: 2 - i / 1e5, step: i + 1 }));
  const text = JSON.stringify({ best_metric: null, log_history: history }, null, 2);
  const start = performance.now();
  const layout = locateTrainerState(text);
  const elapsed = performance.now() - start;
  assert.ok(layout);
  assert.equal(layout.logHistory.length, 20_000);
  assert.equal(logEntryMember(layout, 12_345, 'loss')?.raw, String(2 - 12_344 / 1e5));
  assert.ok(elapsed < 1000, `${elapsed.toFixed(0)} ms for ${(text.length / 1e6).toFixed(1)} MB`);
});

test('odd JSON (a key with an invalid escape in a log entry, nesting thousands deep) is not located rather than thrown', () => {
  const badKey = '{"log_history": [{"step": 5, "eval\\qloss": 1.5}], "best_metric": 1.5}';
  const layout = locateTrainerState(badKey);
  assert.doesNotThrow(() => layout !== undefined && logEntryMember(layout, 5, 'eval_loss'));
  const deep = `{"log_history": [], "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  assert.equal(locateTrainerState(deep), undefined);
});
