import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { parseReportArgs } from '../../src/core/reportArgs';
import { formatText } from '../../src/core/reportText';
import { reportPaths } from '../../src/node/reportPaths';
import { RunTokenizers } from '../../src/node/tokens/runTokenizer';
import { REPO_ROOT } from './tokenPython';
import { runTrainerPython, TRAINER_VENVS } from './trainerVenvs';

const dir = mkdtempSync(join(tmpdir(), 'tal-token-shift-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('report takes --tokens N, --tokens-steps FROM,TO and --overconfidence P, and refuses bad values', () => {
  assert.deepEqual(parseReportArgs(['run', '--tokens', '5', '--tokens-steps=10,60', '--overconfidence', '0.8']), {
    paths: ['run'],
    json: false,
    evalOutputs: {},
    tokens: { listed: 5, steps: { from: 10, to: 60 }, overconfidence: 0.8 },
  });
  assert.deepEqual(parseReportArgs(['run']), { paths: ['run'], json: false, evalOutputs: {} });
  assert.match((parseReportArgs(['run', '--tokens', 'many']) as { error: string }).error, /--tokens takes a count/);
  assert.match((parseReportArgs(['run', '--tokens-steps', '10']) as { error: string }).error, /FROM,TO/);
  assert.match((parseReportArgs(['run', '--overconfidence', '1.5']) as { error: string }).error, /\[0, 1\)/);
});

test('watch refuses the per-token flags, which only report uses, rather than ignore them', () => {
  const result = spawnSync(process.execPath, [resolve(__dirname, '../../../dist/cli.js'), 'watch', dir, '--tokens', '5'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--tokens, --tokens-steps and --overconfidence apply to report only/);
});

for (const venv of TRAINER_VENVS) {
  test(`${venv.label}: an overfitting SFTTrainer run's dumps show the tokens that carry its eval-loss rise`, { skip: venv.skip }, async () => {
    const out = join(dir, venv.label.replace(/\W+/g, '-'));
    // The Trainer prints its logs too: the script's own line is the last.
    const printed = runTrainerPython(venv.python, [join(REPO_ROOT, 'test/fixtures/python/trainers/token_shift_run.py'), REPO_ROOT, out])
      .trim()
      .split('\n');
    const losses = JSON.parse(printed[printed.length - 1] ?? '{}') as Record<string, number>;
    assert.ok((losses['60'] as number) > (losses['10'] as number), `the logged eval loss rose: ${JSON.stringify(losses)}`);
    const document = await reportPaths(
      [out],
      { cacheDirectory: join(dir, 'cache'), workerScript: undefined },
      { request: { listed: 1000 }, decoderFor: new RunTokenizers().decoderFor },
    );
    const run = document.runs.find((candidate) => candidate.id === out);
    const tokens = run?.tokens;
    assert.ok(tokens !== undefined && !('refused' in tokens), JSON.stringify(tokens));
    const last = run?.evaluations?.find((evaluation) => evaluation.step === 60);
    assert.equal(tokens.toStep, 60, 'the latest evaluation');
    assert.match(tokens.chosen, /least-loss evaluation/);
    assert.equal(tokens.pairedPositions, last?.statistics?.tokens, 'every scored token of the eval set is paired');
    assert.ok(tokens.shares.defined && (tokens.totalNllChange ?? 0) > 0, 'the NLL rose');
    assert.equal(tokens.listed, tokens.distinctTokens);
    assert.equal(
      tokens.list.reduce((sum, entry) => sum + entry.count, 0),
      tokens.pairedPositions,
    );
    const shares = tokens.list.reduce((sum, entry) => sum + (entry.share ?? NaN), 0);
    assert.ok(Math.abs(shares - 1) < 1e-9, `shares sum to ${shares}`);
    assert.ok((tokens.list[0]?.share ?? 0) > 0);
    assert.ok(
      tokens.list.every((entry) => typeof entry.text === 'string' && entry.text.length > 0),
      'every token decoded with the tokenizer.json the run saved',
    );
    const text = formatText(document);
    assert.match(text, /tokens carrying the loss change, step \d+ → 60/);
    assert.equal(text.split('\n').filter((line) => /^ {4}".*" #\d+ ×\d+: share/.test(line)).length, 10, 'the text report prints the top ten, decoded');
  });
}
