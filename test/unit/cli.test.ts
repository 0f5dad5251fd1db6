import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareNatural, formatText, shownPath } from '../../src/core/reportText';
import { reportPaths as report } from '../../src/node/reportPaths';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { SAMPLES_DIR, samplesSkipReason, trainerStateText } from './helpers';
import { compactSafetensors, predictionsSafetensors } from './tokenFiles';

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-cli-'));
  mkdirSync(join(dir, 'sft'));
  const history = Array.from({ length: 10 }, (_, k) => ({
    eval_loss: 2 + 0.05 * (k - 2) ** 2,
    eval_mean_token_accuracy: 0.4 + 0.01 * k,
    step: (k + 1) * 100,
  }));
  writeFileSync(join(dir, 'sft', 'trainer_state.json'), trainerStateText([{ loss: '__NaN__', step: 50 }, ...history]));
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'x', 'trainer_state.json'), '{');
  writeFileSync(join(dir, 'data.jsonl'), '{"instruction": "not a log"}\n');
  return dir;
}

test('report --json follows the documented contract', async () => {
  const dir = fixture();
  const document = await report([dir]);
  assert.equal(document.runs.length, 1);
  const run = document.runs[0];
  assert.ok(run);
  assert.equal(run.id, join(dir, 'sft'));
  assert.deepEqual(run.sources, [{ path: join(dir, 'sft', 'trainer_state.json'), format: 'hf-trainer-state' }]);
  assert.deepEqual(run.roles, { evalLoss: 'eval_loss', evalAccuracy: 'eval_mean_token_accuracy', trainLoss: 'loss' });
  assert.deepEqual(run.metrics['loss'], { steps: [50], values: [null] }, 'non-finite values are null');
  assert.equal(run.metrics['eval_loss']?.steps.length, 10);
  assert.deepEqual(run.best.byLoss?.step, 300);
  assert.deepEqual(run.best.byAccuracy?.step, 1000);
  // The NaN train log at step 50 is rule (d): a run that logged a non-finite loss has broken down once.
  assert.deepEqual(run.warnings.map((w) => w.kind).sort(), ['checkpoint-disagreement', 'instability', 'misleading-loss']);
  for (const warning of run.warnings) assert.deepEqual(Object.keys(warning).sort(), ['confidence', 'evidence', 'form', 'kind', 'message', 'startStep', 'step']);
  const misleading = run.warnings.find((warning) => warning.kind === 'misleading-loss');
  assert.equal(misleading?.startStep, 300);
  assert.equal(misleading?.evidence['bestLossStep'], 300);
  assert.deepEqual(document.problems, []);
  assert.match(formatText(document), /best by loss: +step 300/);
  rmSync(dir, { recursive: true });
});

test('the report says how computed token accuracy paired tokens, and where each choice came from', async () => {
  const dir = fixture();
  const outputs = join(dir, 'sft', 'eval_outputs');
  mkdirSync(outputs);
  // Compact outputs whose metadata says they are aligned; the ignore index is the default.
  writeFileSync(join(outputs, 'step-100.safetensors'), compactSafetensors([1, 2, 3, -100], [1, 2, 0, 5], [-0.1, -0.2, -3, 0], [-0.1, -0.2, -0.5, 0]));
  // [batch, seq] predictions with no metadata: both pairings are scored; the logged accuracy (0.41 at step 200)
  // agrees with neither (shifted 3/3, aligned 0/5), so the evaluation is unverified and adds no point.
  writeFileSync(
    join(outputs, 'step-200.safetensors'),
    predictionsSafetensors(
      [
        [5, 6, 7],
        [8, 9, -100],
      ],
      [
        [6, 7, 0],
        [9, 1, 0],
      ],
    ),
  );
  const document = await report([dir]);
  const run = document.runs[0];
  assert.ok(run);
  assert.deepEqual(run.metrics[COMPUTED_KEYS.accuracy], { steps: [100], values: [2 / 3] }, "the unverified evaluation is not the run's accuracy");
  const [compact, bare] = run.evaluations ?? [];
  assert.deepEqual(compact, {
    path: join(outputs, 'step-100.safetensors'),
    step: 100,
    pairing: { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'default' },
    status: 'decided',
    statistics: compact?.statistics ?? assert.fail(),
    accuracy: 2 / 3,
    meanNll: compact?.meanNll ?? null,
  });
  assert.deepEqual(bare?.pairing, { form: 'predictions', causalShift: true, causalShiftSource: 'undecided', ignoreIndex: -100, ignoreIndexSource: 'default' });
  assert.equal(bare?.status, 'unverified');
  assert.equal(bare?.accuracy, null, 'no accuracy is claimed for an unverified pairing');
  assert.deepEqual(bare?.pairings, { shifted: { accuracy: 1, meanNll: null }, aligned: { accuracy: 0, meanNll: null } });
  assert.deepEqual(bare?.pairingCheck?.comparisons, [
    { against: 'logged-accuracy', key: 'eval_mean_token_accuracy', logged: 0.4 + 0.01 * 1, shifted: 1, aligned: 0, agrees: null },
  ]);
  assert.match(
    bare?.pairingCheck?.reason ?? '',
    /neither pairing agrees .* metadata\.json .* tokenAccuracyLens\.evalOutputs\.causalShift, or `report --causal-shift yes\|no`/,
  );
  assert.ok(
    document.problems.some((problem) => problem.path === bare?.path && /Nothing says how these tokens pair/.test(problem.message)),
    'a problem says how to settle it',
  );
  // What the compact form cannot give says so instead of a number; an unverified evaluation gives none.
  const statistics = compact?.statistics ?? assert.fail();
  // One token in each of three bins: the wrong one at confidence e^−0.5 has the largest gap (log-probabilities are float32).
  assert.ok(
    typeof statistics.maxCalibrationError === 'number' && Math.abs(statistics.maxCalibrationError - Math.exp(-0.5)) < 1e-7,
    `MCE ${String(statistics.maxCalibrationError)}`,
  );
  for (const key of ['brier', 'meanLabelRank', 'meanEntropy', 'top5Accuracy', 'temperature'] as const)
    assert.equal(statistics[key], 'not available: needs logits', key);
  assert.equal(bare?.statistics, undefined);
  const text = formatText(document);
  assert.match(text, /\n {2}tokens paired as compact; aligned \(no shift\), from metadata; ignore index -100, from default \(step 100\)\n/);
  assert.match(
    text,
    /\n {2}tokens paired as predictions; pairing unverified \(scored shifted and aligned, nothing settled which\); ignore index -100, from default \(step 200\)\n/,
  );
  const plain = await report([join(dir, 'sft', 'trainer_state.json')]);
  assert.equal(plain.runs[0]?.evaluations, undefined, 'a run without evaluation outputs has no such field');
  assert.doesNotMatch(formatText(plain), /tokens paired/);
  rmSync(dir, { recursive: true });
});

test('a missing path is a problem, not a crash', async () => {
  const document = await report(['/definitely/not/here']);
  assert.deepEqual(document.runs, []);
  assert.match(document.problems[0]?.message ?? '', /No such file/);
});

test('the bundled CLI prints JSON and exits 0', () => {
  const dir = fixture();
  const cli = resolve(__dirname, '../../../dist/cli.js');
  const output = JSON.parse(execFileSync(process.execPath, [cli, 'report', dir, '--json'], { encoding: 'utf8' })) as { runs: unknown[] };
  assert.equal(output.runs.length, 1);
  assert.throws(() => execFileSync(process.execPath, [cli, 'bogus'], { stdio: 'pipe' }), /Usage/);
  rmSync(dir, { recursive: true });
});

test('report --json is compact, --pretty indents the same document, --version prints the version', () => {
  const dir = fixture();
  const cli = resolve(__dirname, '../../../dist/cli.js');
  const compact = execFileSync(process.execPath, [cli, 'report', dir, '--json'], { encoding: 'utf8' });
  const pretty = execFileSync(process.execPath, [cli, 'report', dir, '--json', '--pretty'], { encoding: 'utf8' });
  assert.equal(compact.indexOf('\n'), compact.length - 1);
  assert.equal(compact, JSON.stringify(JSON.parse(compact)) + '\n');
  assert.equal(pretty, JSON.stringify(JSON.parse(compact), null, 2) + '\n');
  assert.match(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }), /^\d+\.\d+\.\d+\n$/);
  const textPretty = spawnSync(process.execPath, [cli, 'report', dir, '--pretty'], { encoding: 'utf8' });
  assert.equal(textPretty.status, 2);
  assert.match(textPretty.stderr, /--pretty applies to report --json only/);
  rmSync(dir, { recursive: true });
});

test('the CLI bundle is ASCII, so that V8 holds its source at a byte a character (one other character doubles it)', () => {
  const bundle = readFileSync(resolve(__dirname, '../../../dist/cliMain.js'));
  const at = bundle.findIndex((byte) => byte >= 0x80);
  assert.equal(at, -1, `a non-ASCII byte at ${at}: ${bundle.subarray(Math.max(0, at - 60), at + 20).toString()}`);
});

test('the CLI keeps a code cache in the cache folder after a report; a damaged, foreign or unwritable one changes nothing but speed', () => {
  const dir = fixture();
  const cache = mkdtempSync(join(tmpdir(), 'tal-cli-cache-'));
  const cli = resolve(__dirname, '../../../dist/cli.js');
  const run = (home: string, ...args: string[]): string =>
    execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home } });
  const folder = join(cache, 'token-accuracy-lens', 'code-cache');
  run(cache, '--version');
  assert.deepEqual(readdirSync(cache), [], '--version leaves no cache: it compiles too little of the bundle to be worth one');
  const first = run(cache, 'report', dir, '--json');
  const [name, ...others] = readdirSync(folder);
  assert.match(name ?? '', /^cli-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.bin$/);
  assert.deepEqual(others, []);
  assert.equal(run(cache, 'report', dir, '--json'), first);
  // Another bundle's or Node's cache is removed when this one is written; garbage under this one's name is rejected by V8 and replaced.
  writeFileSync(join(folder, 'cli-0000000000000000-v0.0.0-x64.bin'), 'old');
  writeFileSync(join(folder, name as string), Buffer.alloc(4096, 7));
  assert.equal(run(cache, 'report', dir, '--json'), first);
  assert.deepEqual(readdirSync(folder), [name]);
  assert.ok(readFileSync(join(folder, name as string)).length > 4096);
  // A cache folder that cannot be made (its parent is a file) is no error.
  const blocked = join(cache, 'file');
  writeFileSync(blocked, '');
  assert.equal(run(blocked, 'report', dir, '--json'), first);
  rmSync(cache, { recursive: true });
  rmSync(dir, { recursive: true });
});

test('report --json into a pipe its reader closes (| head) stops quietly with status 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-cli-pipe-'));
  writeFileSync(join(dir, 'metrics.jsonl'), Array.from({ length: 30_000 }, (_, step) => `{"step": ${step}, "loss": ${1 / (step + 1)}}`).join('\n') + '\n');
  const cli = resolve(__dirname, '../../../dist/cli.js');
  const child = spawn(process.execPath, [cli, 'report', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const status = await new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  assert.equal(stderr, '');
  assert.equal(status, 0);
  rmSync(dir, { recursive: true });
});

test('real trainer states report as one run each, with their eval loss found', { skip: samplesSkipReason('trainer_state') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-samples-'));
  const samples = readdirSync(join(SAMPLES_DIR, 'trainer_state')).filter((name) => name.endsWith('trainer_state.json'));
  for (const name of samples) {
    mkdirSync(join(dir, name));
    copyFileSync(join(SAMPLES_DIR, 'trainer_state', name), join(dir, name, 'trainer_state.json'));
  }
  const lfs = readdirSync(join(SAMPLES_DIR, 'trainer_state')).find((name) => name.endsWith('.LFS_POINTER'));
  if (lfs !== undefined) {
    mkdirSync(join(dir, 'lfs'));
    copyFileSync(join(SAMPLES_DIR, 'trainer_state', lfs), join(dir, 'lfs', 'trainer_state.json'));
  }
  const document = await report([dir]);
  assert.equal(document.runs.filter((run) => run.id !== join(dir, 'lfs')).length, samples.length);
  for (const run of document.runs) if (run.id !== join(dir, 'lfs')) assert.notEqual(run.roles.evalLoss ?? run.roles.trainLoss, null, run.id);
  if (lfs !== undefined) assert.match(document.problems.find((p) => p.path.includes('lfs'))?.message ?? '', /Git LFS pointer/);
  rmSync(dir, { recursive: true });
});

const CLI = resolve(__dirname, '../../../dist/cli.js');

/** The built CLI's exit status and output, as a CI job sees them. */
function runCli(args: readonly string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...(cwd === undefined ? {} : { cwd }) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A run with no warning: eval loss falls and accuracy rises steadily at every evaluation. */
function quietRun(dir: string, name: string, accuracyAt: (k: number) => number): void {
  mkdirSync(join(dir, name), { recursive: true });
  const history = Array.from({ length: 6 }, (_, k) => ({ eval_loss: 2 - 0.1 * k, eval_mean_token_accuracy: accuracyAt(k), step: (k + 1) * 100 }));
  writeFileSync(join(dir, name, 'trainer_state.json'), trainerStateText(history));
}

test('report --fail-on exits 3 when a warning of at least that confidence stands, 0 otherwise; problems keep status 0', () => {
  const dir = fixture();
  const confidences = new Set(
    (JSON.parse(runCli(['report', dir, '--json']).stdout) as { runs: { warnings: { confidence: string }[] }[] }).runs[0]?.warnings.map((w) => w.confidence),
  );
  assert.ok(confidences.has('high') || confidences.has('medium'), [...confidences].join());
  const highest = confidences.has('high') ? 'high' : 'medium';
  assert.equal(runCli(['report', dir]).status, 0, 'without --fail-on warnings do not change the status');
  assert.equal(runCli(['report', dir, '--fail-on', 'low']).status, 3);
  assert.equal(runCli(['report', dir, `--fail-on=${highest}`]).status, 3);
  assert.equal(runCli(['report', dir, '--fail-on', 'high', '--json']).status, confidences.has('high') ? 3 : 0);
  const quiet = mkdtempSync(join(tmpdir(), 'tal-cli-quiet-'));
  quietRun(quiet, 'good', (k) => 0.4 + 0.02 * k);
  const clean = runCli(['report', quiet, '--fail-on', 'low']);
  assert.match(clean.stdout, /no warnings/);
  assert.equal(clean.status, 0, 'no warning stands');
  // A path that does not exist is a problem, reported with status 0 as before; --fail-on gates on warnings only.
  const missing = runCli(['report', quiet, join(quiet, 'not-here'), '--fail-on', 'low']);
  assert.match(missing.stdout, /problem: .*not-here: No such file/);
  assert.equal(missing.status, 0);
  assert.equal(runCli(['report', quiet, '--fail-on', 'severe']).status, 2, 'a bad value is a usage error');
  assert.match(runCli(['report', quiet, '--fail-on', 'severe']).stderr, /--fail-on takes low, medium or high, not "severe"/);
  assert.equal(runCli(['watch', quiet, '--fail-on', 'low']).status, 2, 'watch has no exit to gate on');
  rmSync(dir, { recursive: true });
  rmSync(quiet, { recursive: true });
});

test('the text report shows paths relative to the folder given, absolute only outside it', () => {
  const dir = fixture();
  const outside = mkdtempSync(join(tmpdir(), 'tal-cli-outside-'));
  quietRun(outside, 'other', (k) => 0.4 + 0.02 * k);
  const text = runCli(['report', dir, join(outside, 'other', 'trainer_state.json')]).stdout;
  assert.match(text, /^Run sft\n {2}sources: sft\/trainer_state\.json \(hf-trainer-state\)\n/m);
  // A file given: its folder is the base, named by itself.
  assert.match(text, /^Run other\n {2}sources: trainer_state\.json \(hf-trainer-state\)\n/m);
  assert.doesNotMatch(text, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no absolute path inside the folder given');
  // A relative argument: paths are relative to it, wherever the command runs.
  assert.match(runCli(['report', 'sft'], dir).stdout, /^Run sft\n {2}sources: trainer_state\.json /m);
  const json = JSON.parse(runCli(['report', dir, '--json']).stdout) as { runs: { id: string }[] };
  assert.equal(json.runs[0]?.id, join(dir, 'sft'), 'the JSON report keeps absolute paths');
  rmSync(dir, { recursive: true });
  rmSync(outside, { recursive: true });
});

test('the text report orders runs, sources and problems with their numbers counted, not spelled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-cli-order-'));
  // Three runs (checkpoint-N folders of one output_dir would merge into one run) and three evaluation files.
  for (const step of [1000, 200, 100]) quietRun(dir, `lr-${step}`, (k) => 0.4 + 0.02 * k);
  const outputs = join(dir, 'lr-100', 'eval_outputs');
  mkdirSync(outputs);
  // Predictions without metadata that no logged number settles: each is a problem naming its file.
  for (const step of [1000, 200, 100])
    writeFileSync(
      join(outputs, `step-${step}.safetensors`),
      predictionsSafetensors(
        [
          [5, 6, 7],
          [8, 9, -100],
        ],
        [
          [6, 7, 0],
          [9, 1, 0],
        ],
      ),
    );
  const text = runCli(['report', dir]).stdout;
  const order = (pattern: RegExp): string[] => [...text.matchAll(pattern)].map((match) => match[1] as string);
  assert.deepEqual(order(/^Run (?:.*\/)?(lr-\d+)$/gm), ['lr-100', 'lr-200', 'lr-1000']);
  assert.deepEqual(order(/^problem: (?:.*\/)?(step-\d+)\.safetensors/gm), ['step-100', 'step-200', 'step-1000']);
  assert.deepEqual(order(/(eval_outputs\/step-\d+)\.safetensors \(/g), ['eval_outputs/step-100', 'eval_outputs/step-200', 'eval_outputs/step-1000']);
  rmSync(dir, { recursive: true });
});

test('the text report writes accuracy as the panel does, in percent by the run’s scale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-cli-percent-'));
  quietRun(dir, 'fraction', (k) => 0.3464 - 0.01 * (5 - k));
  quietRun(dir, 'percent', (k) => 34.64 - (5 - k));
  const text = runCli(['report', dir]).stdout;
  assert.match(text, /^Run (?:.*\/)?fraction\n(?: {2}.*\n)*? {2}best by accuracy: step 600 \(loss 1\.5000, accuracy 34\.6%\)/m);
  assert.match(text, /^Run (?:.*\/)?percent\n(?: {2}.*\n)*? {2}best by accuracy: step 600 \(loss 1\.5000, accuracy 34\.6%\)/m);
  assert.doesNotMatch(text, /0\.3464/);
  rmSync(dir, { recursive: true });
});

test('natural order counts digits as numbers, exactly; shown paths take the deepest folder given on either separator', () => {
  const names = ['step-1000', 'step-200', 'step-100', 'step-0200', 'a', 'step-99999999999999999999', 'step-100000000000000000000', 'step-'];
  assert.deepEqual(names.sort(compareNatural), [
    'a',
    'step-',
    'step-100',
    'step-0200',
    'step-200',
    'step-1000',
    'step-99999999999999999999',
    'step-100000000000000000000',
  ]);
  assert.equal(shownPath('/w/runs/a/b.json', ['/w', '/w/runs/']), 'a/b.json');
  assert.equal(shownPath('/w/runs', ['/w/runs']), 'runs', 'the folder given itself, by its name');
  assert.equal(shownPath('/w/runsx/b.json', ['/w/runs']), '/w/runsx/b.json', 'a sibling that shares a prefix is outside');
  assert.equal(shownPath('C:\\w\\runs\\a\\b.json', ['C:\\w\\runs']), 'a\\b.json');
  assert.equal(shownPath('/w/a.json', []), '/w/a.json');
});
