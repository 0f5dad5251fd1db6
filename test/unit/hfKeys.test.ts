import assert from 'node:assert/strict';
import test from 'node:test';
import { undoHfRewrite } from '../../src/core/formats/hfKeys';

test("HF's rewritten keys map back to trainer_state's names; others stay", () => {
  assert.equal(undoHfRewrite('eval/loss'), 'eval_loss');
  assert.equal(undoHfRewrite('eval/mean_token_accuracy'), 'eval_mean_token_accuracy');
  assert.equal(undoHfRewrite('train/loss'), 'loss');
  assert.equal(undoHfRewrite('test/accuracy'), 'test_accuracy');
  assert.equal(undoHfRewrite('val_loss'), 'val_loss');
  assert.equal(undoHfRewrite('train/'), 'train/');
});
