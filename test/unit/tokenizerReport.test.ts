import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { ReportDocument } from '../../src/core/report';
import { trainerStateText } from './helpers';
import { compactSafetensors } from './tokenFiles';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const root = mkdtempSync(join(tmpdir(), 'tal-tokenizer-report-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A SentencePiece-style tokenizer.json: Unigram pieces, byte fallback, Metaspace. */
const TOKENIZER = JSON.stringify({
  added_tokens: [{ id: 0, content: '<unk>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
  decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
  model: {
    type: 'Unigram',
    unk_id: 0,
    vocab: [
      ['<unk>', 0],
      ['▁the', -1],
      ['▁cat', -2],
      ['s', -2],
      ['<0x0A>', -3],
    ],
    byte_fallback: true,
  },
});

/** A run whose second evaluation gets token 2 (`▁cat`) wrong with confidence: the NLL rise is all its. */
function run(name: string, tokenizer: string | undefined): string {
  const dir = join(root, name);
  const outputs = join(dir, 'eval_outputs');
  mkdirSync(outputs, { recursive: true });
  writeFileSync(
    join(dir, 'trainer_state.json'),
    trainerStateText([
      { eval_loss: 0.1, step: 100 },
      { eval_loss: 0.7, step: 200 },
    ]),
  );
  const labels = [1, 2, 3, 1, 4, 2];
  const sequences = [0, 0, 0, 1, 1, 1];
  writeFileSync(
    join(outputs, 'step-100.safetensors'),
    compactSafetensors(labels, labels, [-0.1, -0.1, -0.1, -0.1, -0.1, -0.1], [-0.1, -0.1, -0.1, -0.1, -0.1, -0.1], sequences),
  );
  writeFileSync(
    join(outputs, 'step-200.safetensors'),
    compactSafetensors(labels, [1, 3, 3, 1, 4, 3], [-0.1, -2, -0.1, -0.1, -0.1, -2], [-0.1, -0.05, -0.1, -0.1, -0.1, -0.05], sequences),
  );
  if (tokenizer !== undefined) writeFileSync(join(dir, 'tokenizer.json'), tokenizer);
  return dir;
}

test("report decodes each listed token with the run's tokenizer.json, its leading space kept; a corrupt one is a problem and ids stay ids", () => {
  const decoded = run('decoded', TOKENIZER);
  const corrupt = run('corrupt', '{"model": ');
  const bare = run('bare', undefined);
  const document = JSON.parse(execFileSync(process.execPath, [CLI, 'report', root, '--json'], { encoding: 'utf8' })) as ReportDocument;
  const tokensOf = (dir: string): readonly { readonly id: number; readonly text: string | null }[] => {
    const tokens = document.runs.find((entry) => entry.id === dir)?.tokens;
    assert.ok(tokens !== undefined && !('refused' in tokens), dir);
    return tokens.list;
  };
  assert.deepEqual(
    tokensOf(decoded).map((entry) => [entry.id, entry.text]),
    [
      [2, ' cat'],
      [1, ' the'],
      [3, 's'],
      [4, '\n'],
    ],
  );
  assert.ok(tokensOf(corrupt).every((entry) => entry.text === null));
  assert.ok(tokensOf(bare).every((entry) => entry.text === null));
  const problems = document.problems.filter((problem) => problem.path.endsWith('tokenizer.json'));
  assert.equal(problems.length, 1, JSON.stringify(document.problems));
  assert.equal(problems[0]?.path, join(corrupt, 'tokenizer.json'));
  assert.match(problems[0]?.message ?? '', /not valid JSON/);
  const text = execFileSync(process.execPath, [CLI, 'report', decoded], { encoding: 'utf8' });
  assert.match(text, /" cat" #2 ×2: share 100\.0%/);
});
