import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepLineIndex } from '../../src/core/logStepLine';

function pick(text: string, step: number): number | undefined {
  const lines = text.split('\n');
  return stepLineIndex(lines.length, (index) => lines[index] ?? '', step);
}

// HF's trainer_state.json logs the train record of a step before its eval record, each pretty-printed.
const trainerState = `{
  "log_history": [
    {
      "epoch": 0.5,
      "learning_rate": 2e-05,
      "loss": 1.3,
      "step": 300
    },
    {
      "epoch": 0.5,
      "eval_loss": 1.1,
      "eval_mean_token_accuracy": 0.41,
      "eval_runtime": 3.2,
      "step": 300
    },
    {
      "epoch": 1.0,
      "loss": 1.0,
      "step": 600
    }
  ]
}`;

test('Open log at a step selects the eval record of that step, not the train record logged before it', () => {
  assert.equal(pick(trainerState, 300), 13, 'the "step": 300 line of the eval record; that of the train record is line 6');
});

test('a step logged only by a train record opens there; a step not logged at all opens nowhere', () => {
  assert.equal(pick(trainerState, 600), 18);
  assert.equal(pick(trainerState, 900), undefined);
});

test('in JSON Lines the eval record of a step wins over the train record on the line before it', () => {
  const jsonl = ['{"loss": 1.3, "step": 300}', '{"eval_loss": 1.1, "step": 300}', '{"eval/loss": 1.0, "_step": 400}', '{"loss": 1.2, "_step": 400}'].join('\n');
  assert.equal(pick(jsonl, 300), 1);
  assert.equal(pick(jsonl, 400), 2, "W&B's eval/ keys count as an eval record");
});

test('a one-line train record is not taken for an eval record because its neighbour line is one', () => {
  const jsonl = ['{"eval_loss": 1.1, "step": 200}', '{"loss": 1.3, "step": 300}', '{"eval_loss": 1.0, "step": 400}'].join('\n');
  assert.equal(pick(jsonl, 300), 1);
});
