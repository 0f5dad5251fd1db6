import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyDefinition, assignRoles } from '../../src/core/analysis/metricRoles';

test('finds the roles in Hugging Face and TRL keys', () => {
  assert.deepEqual(assignRoles(['eval_loss', 'eval_mean_token_accuracy', 'loss', 'mean_token_accuracy', 'train_loss', 'eval_runtime']), {
    evalLoss: 'eval_loss',
    evalAccuracy: 'eval_mean_token_accuracy',
    trainLoss: 'loss',
  });
});

test('finds the roles in TensorBoard-style, Lightning and prefixed keys', () => {
  assert.deepEqual(assignRoles(['eval/loss', 'eval/accuracy', 'train/loss']), {
    evalLoss: 'eval/loss',
    evalAccuracy: 'eval/accuracy',
    trainLoss: 'train/loss',
  });
  assert.deepEqual(assignRoles(['val_loss', 'val_acc', 'train_loss_step']), { evalLoss: 'val_loss', evalAccuracy: 'val_acc', trainLoss: 'train_loss_step' });
  assert.deepEqual(assignRoles(['eval_validation_loss', 'eval_validation_accuracy']), {
    evalLoss: 'eval_validation_loss',
    evalAccuracy: 'eval_validation_accuracy',
    trainLoss: null,
  });
});

test('prefers token accuracy over a generic accuracy, and ignores reward accuracy', () => {
  assert.equal(assignRoles(['eval_accuracy', 'eval_mean_token_accuracy']).evalAccuracy, 'eval_mean_token_accuracy');
  assert.equal(assignRoles(['accuracy', 'loss', 'eval_loss']).evalAccuracy, null);
});

test('settings override the built-in patterns', () => {
  assert.equal(assignRoles(['eval_loss', 'val/nll'], { evalLoss: ['val/nll'] }).evalLoss, 'val/nll');
  assert.equal(assignRoles(['eval_loss'], { evalLoss: ['missing'] }).evalLoss, 'eval_loss');
});

test('says which definition an accuracy follows', () => {
  assert.equal(accuracyDefinition('eval_mean_token_accuracy'), 'trl-token-accuracy');
  assert.equal(accuracyDefinition('val/token_acc'), 'token-accuracy');
  assert.equal(accuracyDefinition('eval_accuracy'), 'generic-accuracy');
});
