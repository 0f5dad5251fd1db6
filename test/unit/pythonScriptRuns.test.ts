import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runsWrittenBy } from '../../src/node/python/scriptRuns';

const workspace = join('/', 'work', 'project');
const scriptDir = join(workspace, 'train');
const runs = [join(workspace, 'outputs', 'sft-run'), join(workspace, 'lightning_logs', 'version_3'), join(workspace, 'train', 'runs', 'tiny'), join('/', 'data', 'exp1')];

test('an output directory relative to the workspace names its run', () => {
  assert.deepEqual(runsWrittenBy(['outputs/sft-run'], [scriptDir, workspace], runs), [join(workspace, 'outputs', 'sft-run')]);
});

test('a logging root matches the version folders under it, relative to the script too', () => {
  assert.deepEqual(runsWrittenBy(['lightning_logs', 'runs'], [scriptDir, workspace], runs), [join(workspace, 'lightning_logs', 'version_3'), join(workspace, 'train', 'runs', 'tiny')]);
});

test('absolute paths match wherever the script is', () => {
  assert.deepEqual(runsWrittenBy(['/data/exp1/'], [scriptDir], runs), [join('/', 'data', 'exp1')]);
});

test('".", "..", messages and format strings match nothing', () => {
  assert.deepEqual(runsWrittenBy(['.', '..', './', 'step {step}: loss %.3f', 'https://huggingface.co/outputs', ''], [scriptDir, workspace], runs), []);
});

test('a literal that only shares a prefix with a run folder does not match it', () => {
  assert.deepEqual(runsWrittenBy(['outputs/sft'], [workspace], runs), []);
});

test('a file the script writes inside a run folder names that run', () => {
  assert.deepEqual(runsWrittenBy(['outputs/sft-run/best.keras'], [workspace], runs), [join(workspace, 'outputs', 'sft-run')]);
});
