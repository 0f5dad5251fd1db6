import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findRunTokenizer, RunTokenizers } from '../../src/node/tokens/runTokenizer';

const root = mkdtempSync(join(tmpdir(), 'tal-run-tokenizer-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A tokenizer.json whose one token, id 0, is `word`: which file was used shows in what id 0 decodes to. */
function tokenizerText(word: string): string {
  return JSON.stringify({ added_tokens: [], decoder: { type: 'Fuse' }, model: { type: 'WordLevel', vocab: { [word]: 0 }, unk_token: word } });
}

function write(path: string, text: string | Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

let count = 0;
function runDir(): string {
  count += 1;
  const dir = join(root, `run-${count}`);
  mkdirSync(dir);
  return dir;
}

test("the output_dir's own tokenizer.json comes first, then checkpoints by step, newest first (checkpoint-1000 before checkpoint-200)", async () => {
  const dir = runDir();
  write(join(dir, 'checkpoint-200', 'tokenizer.json'), tokenizerText('two-hundred'));
  write(join(dir, 'checkpoint-1000', 'tokenizer.json'), tokenizerText('thousand'));
  write(join(dir, 'checkpoint-30', 'tokenizer.json'), tokenizerText('thirty'));
  mkdirSync(join(dir, 'checkpoint-5000'));
  let found = await findRunTokenizer([dir]);
  assert.equal(found.tokenizer?.decoder.decode([0]), 'thousand');
  assert.equal(found.tokenizer?.path, join(dir, 'checkpoint-1000', 'tokenizer.json'));
  assert.deepEqual(found.problems, []);
  write(join(dir, 'tokenizer.json'), tokenizerText('final'));
  found = await findRunTokenizer([dir]);
  assert.equal(found.tokenizer?.decoder.decode([0]), 'final');
});

test('a folder that is itself a checkpoint is searched as it is; the same folder given twice is read once', async () => {
  const dir = runDir();
  write(join(dir, 'checkpoint-7', 'tokenizer.json'), tokenizerText('seven'));
  write(join(dir, 'checkpoint-7', 'checkpoint-9', 'tokenizer.json'), tokenizerText('not a checkpoint of this run'));
  const found = await findRunTokenizer([join(dir, 'checkpoint-7'), join(dir, 'checkpoint-7', '.')]);
  assert.equal(found.tokenizer?.decoder.decode([0]), 'seven');
  write(join(dir, 'checkpoint-7', 'tokenizer.json'), 'corrupt');
  const corrupt = await findRunTokenizer([join(dir, 'checkpoint-7'), join(dir, 'checkpoint-7', '.')]);
  assert.equal(corrupt.tokenizer, undefined);
  assert.equal(corrupt.problems.length, 1, 'one problem: the file was tried once');
});

test('no tokenizer anywhere: nothing found and no problem (ids are then shown as ids)', async () => {
  const found = await findRunTokenizer([runDir(), join(root, 'missing-folder')]);
  assert.equal(found.tokenizer, undefined);
  assert.deepEqual(found.problems, []);
});

test('a corrupt tokenizer.json is a problem naming it, and the next one is used', async () => {
  const dir = runDir();
  write(join(dir, 'tokenizer.json'), '{"model": {"vocab": {"a": 0}');
  write(join(dir, 'checkpoint-3', 'tokenizer.json'), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
  write(join(dir, 'checkpoint-2', 'tokenizer.json'), tokenizerText('two'));
  const found = await findRunTokenizer([dir]);
  assert.equal(found.tokenizer?.decoder.decode([0]), 'two');
  assert.equal(found.problems.length, 2);
  assert.equal(found.problems[0]?.path, join(dir, 'tokenizer.json'));
  assert.match(found.problems[0]?.message ?? '', /not valid JSON/);
  assert.equal(found.problems[1]?.path, join(dir, 'checkpoint-3', 'tokenizer.json'));
  assert.match(found.problems[1]?.message ?? '', /UTF-8/);
});

test('a file above the size cap is not read: a problem that gives both sizes', async () => {
  const dir = runDir();
  const text = tokenizerText('big');
  write(join(dir, 'tokenizer.json'), text);
  const found = await findRunTokenizer([dir], text.length - 1);
  assert.equal(found.tokenizer, undefined);
  assert.equal(found.problems.length, 1);
  assert.match(found.problems[0]?.message ?? '', new RegExp(`is ${text.length} bytes, more than the ${text.length - 1} read`));
  assert.equal((await findRunTokenizer([dir], text.length)).tokenizer?.decoder.decode([0]), 'big');
});

test('a tokenizer.json that is a folder is a problem, not a crash; a decoder that is not supported is told with the file used', async () => {
  const dir = runDir();
  mkdirSync(join(dir, 'tokenizer.json'));
  write(join(dir, 'checkpoint-1', 'tokenizer.json'), JSON.stringify({ decoder: { type: 'Mystery' }, model: { type: 'WordLevel', vocab: { x: 0 } } }));
  const found = await findRunTokenizer([dir]);
  assert.equal(found.tokenizer?.decoder.decode([0]), 'x');
  assert.equal(found.problems.length, 2);
  assert.match(found.problems[0]?.message ?? '', /not a regular file/);
  assert.equal(found.problems[1]?.path, join(dir, 'checkpoint-1', 'tokenizer.json'));
  assert.match(found.problems[1]?.message ?? '', /Mystery decoder is not supported/);
});

test('a session finds a tokenizer saved after its first look, reads an unchanged file once, and reads a rewritten one again', async () => {
  const dir = runDir();
  const tokenizers = new RunTokenizers();
  assert.equal(await tokenizers.decoderFor(dir), undefined);
  write(join(dir, 'checkpoint-10', 'tokenizer.json'), tokenizerText('ten'));
  const first = await tokenizers.decoderFor(dir);
  assert.equal(first?.decode([0]), 'ten');
  assert.equal(await tokenizers.decoderFor(dir), first, 'the same decoder: the unchanged file was not parsed again');
  write(join(dir, 'checkpoint-10', 'tokenizer.json'), tokenizerText('ten, saved again'));
  assert.equal((await tokenizers.decoderFor(dir))?.decode([0]), 'ten, saved again');
  write(join(dir, 'checkpoint-20', 'tokenizer.json'), '{');
  assert.equal((await tokenizers.decoderFor(dir))?.decode([0]), 'ten, saved again', 'a corrupt newer save falls back to the older one');
  assert.deepEqual(
    (await tokenizers.problems()).map((problem) => problem.path),
    [join(dir, 'checkpoint-20', 'tokenizer.json')],
  );
  tokenizers.forget(dir);
  assert.deepEqual(await tokenizers.problems(), []);
});
