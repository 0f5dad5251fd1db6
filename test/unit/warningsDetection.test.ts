import { test } from 'node:test';
import assert from 'node:assert/strict';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { overfitting } from '../../src/core/analysis/overfitting';
import { evalRun } from './warningFixtures';

/**
 * Detection rates on seeded noisy runs, the tuning data of rules (a) and (b): the eval loss bottoms out at
 * a third of the run and climbs 3% an eval; token accuracy then rises or falls 0.3 points an eval; noise
 * of about 1.2% on the loss and 0.17 points on the accuracy. Each rule must catch its case and never the other's.
 */
for (const n of [8, 12]) {
  test(`(a) and (b) tell calibration from overfitting on ${n} noisy evals`, () => {
    const bottom = Math.floor(n / 3);
    const loss = (k: number) => (k <= bottom ? 2.4 - 0.1 * k : 2.4 - 0.1 * bottom + 0.06 * (k - bottom));
    const counts = { misleading: 0, overfitting: 0, crossed: 0 };
    const runs = 300;
    for (let seed = 1; seed <= runs; seed++) {
      const calibration = evalRun(n, loss, (k) => 0.45 + 0.003 * k, seed, 0.04, 0.006);
      const memorising = evalRun(n, loss, (k) => 0.47 - 0.003 * Math.max(0, k - bottom), seed, 0.04, 0.006);
      if (misleadingLoss(calibration)?.form === 'rising') counts.misleading++;
      if (overfitting(memorising) !== undefined) counts.overfitting++;
      if (overfitting(calibration) !== undefined || misleadingLoss(memorising) !== undefined) counts.crossed++;
    }
    assert.ok(counts.misleading / runs >= 0.95, `misleading loss caught in ${counts.misleading} of ${runs}`);
    assert.ok(counts.overfitting / runs >= 0.95, `overfitting caught in ${counts.overfitting} of ${runs}`);
    assert.equal(counts.crossed, 0, 'a run of one kind warned as the other');
  });
}
