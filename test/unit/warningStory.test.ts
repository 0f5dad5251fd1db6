import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Warning } from '../../src/core/analysis/warning';
import { runStory } from '../../webview/warningStory';

function disagreement(evidence: Record<string, number>): Warning {
  return {
    kind: 'checkpoint-disagreement',
    form: 'disagreement',
    confidence: 'medium',
    step: evidence['accuracyStep'] ?? 0,
    startStep: 300,
    message: 'The best checkpoint by eval loss is not the best by accuracy.',
    evidence,
  };
}

const misleading: Warning = {
  kind: 'misleading-loss',
  form: 'rising',
  confidence: 'high',
  step: 1500,
  startStep: 300,
  message: 'Eval loss rose while accuracy rose.',
  evidence: { bestLossStep: 300 },
};

const plateau: Warning = { kind: 'plateau', form: 'accuracy-plateau', confidence: 'high', step: 900, startStep: 700, message: 'Plateau.', evidence: {} };

const pair = [misleading, disagreement({ lossStep: 300, accuracyStep: 1500, deltaAccuracyPoints: 4.3 })];

test('a disagreement with both checkpoints on disk heads the card with the one to keep and what the best by loss gives up', () => {
  const story = runStory({ warnings: pair, checkpointsOnDisk: [300, 1500], checkpointToKeep: 1500 }) ?? assert.fail();
  assert.equal(story.headline, 'Keep checkpoint-1500 by accuracy: +4.3 points of accuracy over checkpoint-300, which keeping the best by eval loss would load');
  assert.equal(story.warnings.length, 2, 'the pair is one card');
  assert.equal(story.confidence, 'high', 'the loudest warning gives the card its confidence');
  assert.deepEqual(
    story.warnings.map((warning) => warning.kind),
    ['misleading-loss', 'checkpoint-disagreement'],
    'high before medium',
  );
});

test('with no checkpoint folders known, the story names steps, never a folder it has not seen', () => {
  const story = runStory({ warnings: pair, checkpointsOnDisk: [], checkpointToKeep: null }) ?? assert.fail();
  assert.match(story.headline, /^Keep the checkpoint of step 1500 by accuracy: \+4\.3 points/);
  assert.doesNotMatch(story.headline, /checkpoint-/);
});

test('when the best by accuracy was deleted, the story keeps the best surviving checkpoint and says the best has no folder left (deleted or never saved: the listing cannot tell)', () => {
  const story = runStory({ warnings: pair, checkpointsOnDisk: [300, 1200], checkpointToKeep: 1200 }) ?? assert.fail();
  assert.equal(
    story.headline,
    'Keep checkpoint-1200, the best by accuracy left on disk: the best of all (step 1500, +4.3 points of accuracy over checkpoint-300, which keeping the best by eval loss would load) has no checkpoint folder on disk',
  );
  const none = runStory({ warnings: pair, checkpointsOnDisk: [100], checkpointToKeep: null }) ?? assert.fail();
  assert.match(none.headline, /no longer on disk, and no checkpoint left was evaluated/);
});

test('without a checkpoint at stake the loudest warning heads the card, warnings ordered by severity then confidence', () => {
  const story = runStory({ warnings: [plateau, misleading], checkpointsOnDisk: [], checkpointToKeep: null }) ?? assert.fail();
  assert.equal(story.headline, 'Judge this run by accuracy, not eval loss (from step 300)');
  assert.equal(story.severity, 'warning', 'a plateau is information by default, below a misleading loss');
  assert.equal(runStory({ warnings: [], checkpointsOnDisk: [], checkpointToKeep: null }), undefined);
});

test('a disagreement whose evidence lacks the gain falls back to the loudest warning instead of inventing a number', () => {
  const story = runStory({ warnings: [disagreement({ lossStep: 300, accuracyStep: 1500 })], checkpointsOnDisk: [], checkpointToKeep: null }) ?? assert.fail();
  assert.equal(story.headline, 'The best checkpoint by loss is not the best by accuracy (from step 300)');
});
