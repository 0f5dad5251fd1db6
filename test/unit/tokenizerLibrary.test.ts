import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseTokenizerJson } from '../../src/core/tokens/tokenizerJson';
import { REPO_ROOT } from './tokenPython';
import { runTrainerPython } from './trainerVenvs';

/**
 * Decoding against the `tokenizers` library itself: tokenizers it trains (byte-level BPE, Unigram with
 * Metaspace, WordPiece, a Llama-style byte-fallback BPE) and a vocabulary of awkward tokens under every other
 * decoder, each decoded by the library and by parseTokenizerJson, which must agree on every id sequence.
 */

interface Case {
  readonly ids: readonly number[];
  readonly text?: string;
  readonly skipped?: string;
  readonly textPanic?: string;
  readonly skippedPanic?: string;
}
interface Reference {
  readonly tokenizers: readonly { readonly name: string; readonly path: string; readonly cases: readonly Case[] }[];
}

/** A python that imports `tokenizers`: TAL_TOKENIZERS_PYTHON, else the trainer venvs the test setup makes, else python3. */
const PYTHON = [
  process.env['TAL_TOKENIZERS_PYTHON'],
  join(REPO_ROOT, '.venv-trainers', 'bin', 'python'),
  join(REPO_ROOT, '.venv-trainers-4', 'bin', 'python'),
  'python3',
]
  .filter((python): python is string => python !== undefined && python !== '')
  .find((python) => spawnSync(python, ['-c', 'import tokenizers'], { stdio: 'ignore' }).status === 0);

const skip =
  PYTHON === undefined
    ? 'no python with the tokenizers library (pip install tokenizers, run node scripts/ensureTrainers.mjs, or set TAL_TOKENIZERS_PYTHON)'
    : false;

const dir = mkdtempSync(join(tmpdir(), 'tal-tokenizers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let reference: Reference | undefined;
function load(): Reference {
  if (reference === undefined) {
    runTrainerPython(PYTHON ?? 'python3', [join(REPO_ROOT, 'test/fixtures/python/tokenizers/decode_reference.py'), dir]);
    reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
  }
  return reference;
}

const NAMES = [
  'byte-level-bpe',
  'wordpiece',
  'wordpiece-no-cleanup',
  'llama-byte-fallback',
  'unigram-metaspace-always',
  'unigram-metaspace-first',
  'unigram-metaspace-never',
];

test('the library trains every tokenizer the comparison needs, and a byte-level slice that cuts a character decodes to U+FFFD in it', { skip }, () => {
  const names = load().tokenizers.map((entry) => entry.name);
  for (const name of NAMES) assert.ok(names.includes(name), name);
  const byteLevel = load().tokenizers.find((entry) => entry.name === 'byte-level-bpe');
  assert.ok(
    byteLevel?.cases.some((entry) => entry.text?.includes('\uFFFD') === true && entry.ids.length > 1),
    'some slices split a multi-byte character',
  );
});

for (const name of [...NAMES, 'zoo-']) {
  test(`decoding equals the library's: ${name === 'zoo-' ? 'every decoder on awkward tokens' : name}`, { skip }, () => {
    const entries = load().tokenizers.filter((entry) => (name === 'zoo-' ? entry.name.startsWith('zoo-') : entry.name === name));
    assert.ok(entries.length > 0);
    let compared = 0;
    for (const entry of entries) {
      const parsed = parseTokenizerJson(readFileSync(entry.path, 'utf8'));
      assert.deepEqual(parsed.problems, [], entry.name);
      const tokenizer = parsed.tokenizer;
      assert.ok(tokenizer !== undefined, entry.name);
      for (const { ids, text, skipped } of entry.cases) {
        // A case the library panicked on (its Strip cutting past a token's start) has nothing to equal; ours must still answer.
        const ours = tokenizer.decode(ids);
        const oursSkipped = tokenizer.decode(ids, { skipSpecialTokens: true });
        if (text !== undefined) assert.equal(ours, text, `${entry.name} ${JSON.stringify(ids)}`);
        if (skipped !== undefined) assert.equal(oursSkipped, skipped, `${entry.name} ${JSON.stringify(ids)} skipping special tokens`);
        for (const id of ids) assert.equal(typeof (tokenizer.decodeToken(id) ?? ''), 'string');
        compared += 1;
      }
    }
    assert.ok(compared > 700, `${compared} sequences compared`);
  });
}
