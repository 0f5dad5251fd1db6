import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findingsForRun, runsWrittenBy, runsWrittenByNotebook } from '../../src/node/python/scriptRuns';

const workspace = join('/', 'work', 'project');
const scriptDir = join(workspace, 'train');
const runs = [
  join(workspace, 'outputs', 'sft-run'),
  join(workspace, 'lightning_logs', 'version_3'),
  join(workspace, 'train', 'runs', 'tiny'),
  join('/', 'data', 'exp1'),
];

test('an output directory relative to the workspace names its run', () => {
  assert.deepEqual(runsWrittenBy(['outputs/sft-run'], [scriptDir, workspace], runs), [join(workspace, 'outputs', 'sft-run')]);
});

test('a logging root matches the version folders under it, relative to the script too', () => {
  assert.deepEqual(runsWrittenBy(['lightning_logs', 'runs'], [scriptDir, workspace], runs), [
    join(workspace, 'lightning_logs', 'version_3'),
    join(workspace, 'train', 'runs', 'tiny'),
  ]);
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

test('a run warning links to the findings of the scripts that write that run, and to none of the others', () => {
  const sft = join(workspace, 'outputs', 'sft-run');
  const lightning = join(workspace, 'lightning_logs', 'version_3');
  const tiny = join(workspace, 'train', 'runs', 'tiny');
  const scripts = [
    { path: join(workspace, 'train_sft.py'), writes: [sft, tiny], findings: ['sft:5', 'sft:9'] },
    { path: join(workspace, 'eval.py'), writes: [], findings: ['eval:3'] },
    { path: join(workspace, 'lit.py'), writes: [lightning], findings: ['lit:12'] },
    { path: join(workspace, 'a_tiny.py'), writes: [tiny], findings: ['tiny:2'] },
    { path: join(workspace, 'clean.py'), writes: [sft], findings: [] },
  ];
  assert.deepEqual(findingsForRun(scripts, sft), ['sft:5', 'sft:9']);
  assert.deepEqual(findingsForRun(scripts, tiny), ['tiny:2', 'sft:5', 'sft:9']);
  assert.deepEqual(findingsForRun(scripts, lightning), ['lit:12']);
  assert.deepEqual(findingsForRun(scripts, join('/', 'data', 'exp1')), []);
});

test("a notebook writes the runs read from its own cells' outputs, and those its literals name", () => {
  const notebook = join(workspace, 'nb', 'train.ipynb');
  const nbRuns = [
    `${notebook}#cell-4`,
    `${notebook}#cell-9-2`,
    `${join(workspace, 'nb', 'other.ipynb')}#cell-4`,
    join(workspace, 'nb', 'out'),
    join(workspace, 'elsewhere'),
  ];
  assert.deepEqual(runsWrittenByNotebook(notebook, ['out'], [join(workspace, 'nb'), workspace], nbRuns), [
    `${notebook}#cell-4`,
    `${notebook}#cell-9-2`,
    join(workspace, 'nb', 'out'),
  ]);
  assert.deepEqual(runsWrittenBy(['out'], [join(workspace, 'nb')], nbRuns), [join(workspace, 'nb', 'out')]);
});
