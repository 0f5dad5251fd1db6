import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { analyzeRun } from '../../src/core/analysis/runAnalysis';
import { AnalysisCache } from '../../src/core/analysis/analysisCache';
import { scanSeries, SPIKE_MIN_WINDOW, SPIKE_WINDOW, TrailingWindow } from '../../src/core/analysis/seriesScan';
import type { MetricPoint } from '../../src/core/types';

/** A small seeded generator (LCG), so that a failing case can be run again. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** A run's log in step order, of one of several shapes: falling, rising, U-shaped or flat, with spikes, ties, NaN or negative losses. */
function randomLog(random: () => number): MetricPoint[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const length = Math.floor(random() * pick([40, 400, 2000]));
  const evalEvery = pick([1, 5, 20]);
  const kind = pick(['clean', 'spiky', 'ties', 'negative', 'broken']);
  const shape = pick(['fall', 'rise', 'u', 'flat']);
  const percent = random() < 0.5;
  const noisy = (base: number): number => {
    const r = random();
    if (kind === 'broken' && r < 0.02) return pick([Number.NaN, Number.POSITIVE_INFINITY]);
    if (kind === 'spiky' && r < 0.05) return base * (2 + 10 * random());
    if (kind === 'ties') return Math.round(base * 20) / 20;
    if (kind === 'negative') return base - 1.5;
    return base;
  };
  const points: MetricPoint[] = [];
  for (let step = 1; step <= length; step++) {
    const t = step / length;
    const trend = shape === 'fall' ? 2 - t : shape === 'rise' ? 1 + t : shape === 'u' ? 1 + (t - 0.5) ** 2 : 1.2;
    points.push({ key: 'loss', step, value: noisy(trend + 0.05 * (random() - 0.5)), epoch: step / 100 });
    if (random() < 0.3) points.push({ key: 'grad_norm', step, value: noisy(1 + random()) });
    if (step % evalEvery === 0) {
      const accuracy = (shape === 'u' ? 0.5 + 0.2 * t : shape === 'fall' ? 0.4 + 0.3 * t : 0.6 - 0.1 * t) + 0.02 * (random() - 0.5);
      points.push(
        { key: 'eval_loss', step, value: noisy(trend + 0.1 * (random() - 0.5)) },
        { key: 'eval_accuracy', step, value: (kind === 'ties' ? Math.round(accuracy * 50) / 50 : accuracy) * (percent ? 100 : 1) },
      );
    }
  }
  return points;
}

const source = { path: '/run/metrics.jsonl', format: 'jsonl' as const };

test('analysis with kept passes equals analysis from scratch, after every append, rewrite and second source', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const random = generator(seed);
    const log = randomLog(random);
    const store = new RunStore();
    const cache = new AnalysisCache();
    let read = 0;
    while (read < log.length) {
      const chunk = Math.max(1, Math.floor((random() * log.length) / 5));
      store.addPoints('/run', source, log.slice(read, (read += chunk)));
      const roll = random();
      const earlier = log[Math.floor(random() * Math.min(read, log.length))];
      // A value rewritten in place, a step inserted before the last, or a second file holding some of the same keys.
      if (roll < 0.1 && earlier !== undefined) store.addPoints('/run', source, [{ ...earlier, value: earlier.value + 0.5 }]);
      else if (roll < 0.15 && earlier !== undefined) store.addPoints('/run', source, [{ ...earlier, step: earlier.step - 0.5 }]);
      else if (roll < 0.18 && earlier !== undefined) store.addPoints('/run', { path: '/run/other.jsonl', format: 'jsonl' }, [{ ...earlier, value: 7 }]);
      else if (roll < 0.2) store.removeSource('/run', '/run/other.jsonl');
      // A read completed: the arrays are fitted (copied), the points stay.
      if (random() < 0.3) store.settle('/run');
      const run = store.snapshot('/run');
      assert.ok(run !== undefined);
      assert.deepEqual(analyzeRun(run, {}, [], cache), analyzeRun(run), `seed ${seed}, ${read} points read`);
    }
  }
});

/** The spike test as the rule states it, every log against its own sorted trailing window, with no shortcut. */
function spikesByDefinition(values: readonly number[]): { index: number; center: number; score: number }[] {
  const finite = values.filter(Number.isFinite);
  const window = new TrailingWindow(SPIKE_WINDOW);
  const spikes: { index: number; center: number; score: number }[] = [];
  finite.forEach((value, t) => {
    if (t >= SPIKE_MIN_WINDOW) {
      const center = window.median();
      const spread = 1.4826 * window.mad(center);
      const score = spread > 0 ? (value - center) / spread : value > center ? Number.POSITIVE_INFINITY : 0;
      if (center > 0 && value >= 1.5 * center && score >= 6) spikes.push({ index: t, center, score });
    }
    window.push(value);
  });
  return spikes;
}

test('the scan finds exactly the spikes the definition does, whole or resumed at any point', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = generator(seed);
    const level = random() < 0.2 ? -0.5 : 1;
    const values = Array.from({ length: Math.floor(random() * 400) }, () => {
      const r = random();
      if (r < 0.02) return Number.NaN;
      if (r < 0.08) return level * (1 + 20 * random());
      return level + (random() < 0.3 ? Math.round(random() * 4) / 40 : 0.1 * random());
    });
    const steps = values.map((_, i) => i);
    const expected = spikesByDefinition(values);
    const finiteSteps = steps.filter((i) => Number.isFinite(values[i]));
    const whole = scanSeries({ steps, values }, true);
    assert.deepEqual(
      whole.spikes.map((spike) => ({ step: spike.step, center: spike.center, score: spike.score })),
      expected.map((spike) => ({ step: finiteSteps[spike.index], center: spike.center, score: spike.score })),
      `seed ${seed}`,
    );
    const cut = Math.floor(random() * values.length);
    const first = scanSeries({ steps: steps.slice(0, cut), values: values.slice(0, cut) }, true);
    assert.deepEqual(scanSeries({ steps, values }, true, first), whole, `seed ${seed}, resumed at ${cut}`);
  }
});

test('a noisy series, most of its logs past the minimum test, gives the spikes of the definition', () => {
  // A gradient norm's spread (0.5 to 2.5) puts most logs past x_t ≥ 1.5·min, so the median's test decides them;
  // zeros of both signs and a window of small numbers check that it rules out only what the definition does.
  for (let seed = 1; seed <= 100; seed++) {
    const random = generator(seed);
    const values = Array.from({ length: 300 + Math.floor(random() * 300) }, () => {
      const r = random();
      if (r < 0.03) return r < 0.015 ? 0 : -0;
      if (r < 0.06) return 5 + 40 * random();
      return (seed % 3 === 0 ? 1e-9 : 1) * (0.5 + 2 * random());
    });
    const steps = values.map((_, i) => i);
    assert.deepEqual(
      scanSeries({ steps, values }, true).spikes.map((spike) => ({ step: spike.step, center: spike.center, score: spike.score })),
      spikesByDefinition(values).map((spike) => ({ step: spike.index, center: spike.center, score: spike.score })),
      `seed ${seed}`,
    );
  }
});

test('a kept pass is not used for a series that was rewritten or replaced', () => {
  const store = new RunStore();
  const cache = new AnalysisCache();
  const points = (values: readonly number[], from = 0): MetricPoint[] => values.map((value, i) => ({ key: 'loss', step: from + i, value }));
  const flat = Array.from({ length: 30 }, () => 1);
  store.addPoints('/run', source, points(flat));
  const scanOf = () => {
    const run = store.snapshot('/run');
    const series = run?.metrics.get('loss');
    assert.ok(series !== undefined);
    return cache.scan('/run', 'loss', series, true, run?.growth?.get('loss'));
  };
  assert.equal(scanOf().spikes.length, 0);
  // Step 20 rewritten to a spike: a resumed pass would miss it.
  store.addPoints('/run', source, [{ key: 'loss', step: 20, value: 9 }]);
  assert.deepEqual(
    scanOf().spikes.map((spike) => spike.step),
    [20],
  );
  store.replaceSource('/run', source, points(flat));
  assert.equal(scanOf().spikes.length, 0, 'a replaced source is scanned anew');
  store.addPoints('/run', source, points([1, 1, 9], 30));
  assert.deepEqual(
    scanOf().spikes.map((spike) => spike.step),
    [32],
    'an append is found by the resumed pass',
  );
});

test('a run settled after its read keeps every point, and its arrays shed their spare room', () => {
  const store = new RunStore();
  const log = randomLog(generator(3)).filter((point) => Number.isFinite(point.value));
  for (let read = 0; read < log.length; read += 700) store.addPoints('/run', source, log.slice(read, read + 700));
  const before = store.snapshot('/run');
  const copies = new Map([...(before?.metrics ?? [])].map(([key, series]) => [key, { steps: [...series.steps], values: [...series.values] }]));
  store.settle('/run');
  const after = store.snapshot('/run');
  assert.deepEqual(new Map([...(after?.metrics ?? [])].map(([key, series]) => [key, { steps: [...series.steps], values: [...series.values] }])), copies);
  assert.deepEqual(after?.axes, before?.axes);
});
