import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BetterSources } from '../../src/node/betterSources';
import { PathProblems } from '../../src/node/pathProblems';
import { RunInfos } from '../../src/node/runInfos';
import { samePlan } from '../../src/node/sourcePlan';

test('a better source is reported once, on its first read; console logs and TensorBoard files never are', () => {
  const sources = new BetterSources();
  assert.equal(sources.firstRead('hf-trainer-state', '/run/trainer_state.json'), true);
  assert.equal(sources.firstRead('hf-trainer-state', '/run/trainer_state.json'), false);
  assert.equal(sources.firstRead('wandb', '/run/wandb/run-1/run-1.wandb'), true);
  assert.equal(sources.firstRead('jsonl', '/run/trainer_log.jsonl'), true);
  assert.equal(sources.firstRead('console-metrics', '/run/train.log'), false);
  assert.equal(sources.firstRead('tfevents', '/run/runs/x/events.out.tfevents.1'), false);
});

test("a file's problem is replaced by its latest, cleared when it reads well, reported only when it changes, and listed by path", () => {
  const problems = new PathProblems();
  assert.equal(problems.set('/b.log', 'broken'), true);
  assert.equal(problems.set('/b.log', 'broken'), false);
  assert.equal(problems.set('/a.log', 'cut short'), true);
  assert.deepEqual(problems.list(), [
    { path: '/a.log', message: 'cut short' },
    { path: '/b.log', message: 'broken' },
  ]);
  assert.equal(problems.set('/b.log', undefined), true);
  assert.equal(problems.set('/b.log', undefined), false);
  assert.deepEqual(problems.list(), [{ path: '/a.log', message: 'cut short' }]);
});

test("a run's info merges over its sources, parameters name by name, and a read that adds nothing changes nothing", () => {
  const infos = new RunInfos();
  assert.equal(infos.merge('/run', { name: 'first', parameters: { lr: 0.1, batch: 8 } }), true);
  assert.equal(infos.merge('/run', { parameters: { lr: 0.2, seed: 1 } }), true);
  assert.deepEqual(infos.get('/run'), { name: 'first', parameters: { lr: 0.2, batch: 8, seed: 1 } });
  assert.equal(infos.merge('/run', { name: 'first' }), false);
  assert.equal(infos.get('/other'), undefined);
});

test('plans that read a file the same way are the same plan, whatever their point mapping function', () => {
  const plan = { runId: '/run', approximate: false, dependsOn: '/run' };
  assert.equal(samePlan(plan, { ...plan, mapPoints: (points) => points }), true);
  assert.equal(samePlan(plan, { ...plan, readAs: 'console-metrics' }), false);
  assert.equal(samePlan(plan, { ...plan, approximate: true }), false);
  assert.equal(samePlan(plan, { ...plan, startingStep: 100 }), false);
});
