import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCORING_SHARE, ScoringProgress } from '../../src/core/tokens/scoringProgress';

function record(fitFollows: boolean, passes: number): number[] {
  const seen: number[] = [];
  const progress = new ScoringProgress((fraction) => seen.push(fraction), fitFollows);
  for (let pass = 0; pass <= passes; pass++) {
    if (pass > 0) progress.nextPass();
    for (const fraction of [0.25, 0.5, 0.75, 1]) progress.within(fraction);
  }
  progress.done();
  return seen;
}

test('progress grows over the scoring pass and every temperature pass, and says 1 only at the end', () => {
  for (const passes of [0, 1, 2, 3, 4, 12]) {
    const seen = record(true, passes);
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) > (seen[i - 1] as number), `${passes} passes: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), 1);
    assert.equal(seen.filter((fraction) => fraction >= 1).length, 1, 'only the end is 1');
  }
  assert.equal(record(true, 3)[3], SCORING_SHARE, 'the scoring pass is its share of the work');
  assert.deepEqual(
    record(true, 3)
      .slice(4, 12)
      .map((fraction) => Math.round(fraction * 1000) / 1000),
    [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
    'the typical passes fill the rest evenly',
  );
});

test('without a temperature fit the scoring pass is the whole bar', () => {
  assert.deepEqual(record(false, 0), [0.25, 0.5, 0.75, 1]);
});
