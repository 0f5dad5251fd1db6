import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { numpySkipReason, REPO_ROOT, runPython } from './tokenPython';
import { runTrainerPython, TRAINER_VENVS } from './trainerVenvs';

interface Statistics {
  readonly tokens: number;
  readonly accuracy: number;
  readonly meanNll: number;
}
interface DumpStatistics extends Statistics {
  readonly sequences: number;
  readonly sequenceIndexMax: number;
  readonly dtypes: Readonly<Record<string, string>>;
  readonly bytesPerToken: number;
}
interface Scenario {
  readonly lossType?: string;
  readonly error?: string;
  readonly losses?: readonly number[];
  readonly evals?: readonly Readonly<Record<string, number>>[];
  readonly files?: readonly string[];
  readonly dump?: DumpStatistics;
  readonly reference?: Statistics;
  readonly userMetrics?: readonly number[];
}
type Results = Readonly<
  Record<'trainer' | 'trainerWithout' | 'trainerHooks' | 'sft' | 'sftWithout' | 'sftHooksChunked' | 'sftHooksNll' | 'encoderDecoder', Scenario>
>;

const dir = mkdtempSync(join(tmpdir(), 'tal-dump-trainers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertDumpMatches(name: string, scenario: Scenario): void {
  assert.deepEqual(scenario.files, ['step-2.safetensors', 'step-4.safetensors'], `${name}: one dump per evaluation`);
  const { dump, reference } = scenario;
  assert.ok(dump !== undefined && reference !== undefined, name);
  assert.equal(dump.tokens, reference.tokens, `${name}: every scored token, no padding`);
  assert.equal(dump.accuracy, reference.accuracy, `${name}: accuracy equals the final model's logits`);
  assert.ok(Math.abs(dump.meanNll - reference.meanNll) < 1e-5, `${name}: NLL ${dump.meanNll} vs ${reference.meanNll}`);
  assert.equal(dump.sequences, 8, `${name}: every evaluation sequence has tokens`);
  assert.equal(dump.sequenceIndexMax, 7, `${name}: sequence_index counts the evaluation rows`);
  assert.deepEqual(dump.dtypes, { labels: 'int32', predictions: 'int32', label_logprobs: 'float32', max_logprobs: 'float32', sequence_index: 'int32' });
  assert.equal(dump.bytesPerToken, 20, 'the README says 20 bytes a scored token');
}

for (const venv of TRAINER_VENVS) {
  let results: Results | undefined;
  const load = (): Results => {
    if (results === undefined) {
      const out = join(dir, venv.label.replace(/\W+/g, '-'));
      runTrainerPython(venv.python, [join(REPO_ROOT, 'test/fixtures/python/trainers/dump_helper_trainers.py'), REPO_ROOT, out]);
      results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    }
    return results;
  };

  test(`${venv.label}: the helper as a callback alone dumps the Trainer's evaluations, and training is unchanged`, { skip: venv.skip }, () => {
    const r = load();
    assertDumpMatches('Trainer', r.trainer);
    assert.deepEqual(r.trainer.losses, r.trainerWithout.losses, 'training losses are bit-identical with and without the helper');
    assert.deepEqual(
      r.trainer.evals?.map((e) => e['eval_loss']),
      r.trainerWithout.evals?.map((e) => e['eval_loss']),
    );
  });

  test(`${venv.label}: under SFTTrainer's default chunked_nll loss the callback runs its own pass, and TRL's accuracy agrees`, { skip: venv.skip }, () => {
    const r = load();
    assert.equal(r.sft.lossType, 'chunked_nll', "TRL's default loss");
    assertDumpMatches('SFTTrainer', r.sft);
    assert.deepEqual(r.sft.losses, r.sftWithout.losses, 'training losses are bit-identical with and without the helper');
    const logged = r.sft.evals?.at(-1)?.['eval_mean_token_accuracy'];
    // One evaluation batch, so TRL's mean of per-batch accuracies is the per-token accuracy (in float32).
    assert.ok(logged !== undefined && Math.abs(logged - (r.sft.dump?.accuracy ?? NaN)) < 1e-6, `eval_mean_token_accuracy ${logged}`);
  });

  test(`${venv.label}: the hooks under chunked_nll stop with a message naming the fix; under nll they dump without a second pass`, { skip: venv.skip }, () => {
    const r = load();
    assert.match(r.sftHooksChunked.error ?? '', /no \[batch, seq, vocab\] logits reached preprocess_logits_for_metrics.*callbacks=\[TokenAccuracyLensDump/);
    assertDumpMatches('SFTTrainer nll with hooks', r.sftHooksNll);
    assertDumpMatches('Trainer with hooks', r.trainerHooks);
  });

  test(`${venv.label}: an encoder-decoder model is refused when the Trainer is built, saying how to write its aligned logits`, { skip: venv.skip }, () => {
    assert.match(load().encoderDecoder.error ?? '', /encoder-decoder model.*compact_from_logits\(logits, labels, causal_shift=False\)/);
  });

  test(`${venv.label}: a user's compute_metrics through the helper gets argmax ids and its key is logged`, { skip: venv.skip }, () => {
    const r = load();
    assert.equal(r.trainerHooks.userMetrics?.length, 2, 'called at each evaluation');
    assert.equal(r.trainerHooks.userMetrics?.at(-1), r.trainerHooks.dump?.accuracy, 'argmax ids give the same accuracy as the dump');
    assert.equal(r.trainerHooks.evals?.at(-1)?.['eval_token_accuracy'], r.trainerHooks.dump?.accuracy);
  });
}

test('hand-made .npy and .npz dumps get the metadata sidecar the reader looks for, and the shift must be stated', { skip: numpySkipReason }, () => {
  const out = join(dir, 'hand-made');
  const written = JSON.parse(runPython([join(REPO_ROOT, 'test/fixtures/python/trainers/hand_made_dumps.py'), REPO_ROOT, out])) as Readonly<
    Record<string, unknown>
  >;
  assert.equal(written['folder'], join('eval_outputs', 'step-10'));
  assert.deepEqual(written['files'], ['labels.npy', 'logits.npy', 'metadata.json']);
  assert.deepEqual(written['entries'], ['step-10', 'step-20.metadata.json', 'step-20.npz'], 'no temporary folder is left behind');
  assert.deepEqual(
    written['folderMetadata'],
    { causal_shift: true, ignore_index: -100, producer: 'token_accuracy_lens_dump', step: 10 },
    'the second write replaced the first',
  );
  assert.equal(written['sidecar'], join('eval_outputs', 'step-20.metadata.json'));
  assert.deepEqual(written['npzMetadata'], { causal_shift: true, ignore_index: -1, producer: 'token_accuracy_lens_dump', step: 20 });
  assert.match(String(written['refused']), /causal_shift must be True/);
});
