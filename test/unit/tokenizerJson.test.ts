import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTokenizerJson, type TokenizerDecoder } from '../../src/core/tokens/tokenizerJson';
import { decodeUtf8, pushUtf8, showInvalid } from '../../src/core/tokens/utf8Lossy';

/** A tokenizer.json with a word-level vocabulary of `tokens` (ids in order) and the given decoder, as the library writes one. */
function tokenizerJson(tokens: readonly string[], decoder: unknown, added: readonly { id: number; content: string; special: boolean }[] = []): string {
  return JSON.stringify({
    version: '1.0',
    added_tokens: added.map((entry) => ({ ...entry, single_word: false, lstrip: false, rstrip: false, normalized: false })),
    normalizer: null,
    pre_tokenizer: null,
    decoder,
    model: { type: 'WordLevel', vocab: Object.fromEntries(tokens.map((token, id) => [token, id])), unk_token: tokens[0] },
  });
}

function load(tokens: readonly string[], decoder: unknown, added: readonly { id: number; content: string; special: boolean }[] = []): TokenizerDecoder {
  const parsed = parseTokenizerJson(tokenizerJson(tokens, decoder, added));
  assert.deepEqual(parsed.problems, []);
  assert.ok(parsed.tokenizer !== undefined);
  return parsed.tokenizer;
}

/** Decodes token strings by looking their ids up in the vocabulary made of them. */
function decodeTokens(tokenizer: TokenizerDecoder, vocabulary: readonly string[], tokens: readonly string[]): string {
  return tokenizer.decode(tokens.map((token) => vocabulary.indexOf(token)));
}

test('ByteLevel: the GPT-2 alphabet reversed, bytes joined across tokens, an incomplete character as one U+FFFD, a foreign token as its own bytes', () => {
  // é is C3 A9: Ã (C3) and © (A9) in the alphabet; 🙂 is F0 9F 99 82.
  const vocabulary = ['Hello', 'Ġworld', 'Ċ', 'Ã', '©', 'ðŁ', 'ĻĤ', 'two words', 'ĉ'];
  const tokenizer = load(vocabulary, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Hello', 'Ġworld', 'Ċ']), 'Hello world\n');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Ã', '©']), 'é');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Ã']), '\uFFFD');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Ã', 'Hello']), '\uFFFDHello');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['ðŁ', 'ĻĤ']), '🙂');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['ðŁ', 'Hello']), '\uFFFDHello', 'F0 9F is one maximal subpart: one U+FFFD');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Hello', 'two words', 'ĉ']), 'Hellotwo words\t');
  assert.equal(tokenizer.decodeToken(1), ' world');
  assert.equal(tokenizer.decodeToken(2), '\n');
  assert.equal(tokenizer.decodeToken(3), '<0xC3>', 'a lone byte of a longer character is shown as the byte');
  assert.equal(tokenizer.decodeToken(5), '<0xF0><0x9F>');
  assert.equal(tokenizer.tokenString(1), 'Ġworld');
  assert.equal(tokenizer.pipeline, 'ByteLevel');
});

test('Metaspace: ▁ is a space, except every ▁ of the first token unless prepend_scheme is never; the legacy add_prefix_space reads too', () => {
  const vocabulary = ['▁Hey', '▁friend!', 'a▁b', '▁'];
  for (const [decoder, expected] of [
    [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, ['Hey friend!', 'ab friend!']],
    [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, ['Hey friend!', 'ab friend!']],
    [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true }, [' Hey friend!', 'a b friend!']],
    [{ type: 'Metaspace', replacement: '▁', add_prefix_space: true }, ['Hey friend!', 'ab friend!']],
    [{ type: 'Metaspace', replacement: '▁', add_prefix_space: false }, [' Hey friend!', 'a b friend!']],
  ] as const) {
    const tokenizer = load(vocabulary, decoder);
    assert.equal(decodeTokens(tokenizer, vocabulary, ['▁Hey', '▁friend!']), expected[0], JSON.stringify(decoder));
    assert.equal(decodeTokens(tokenizer, vocabulary, ['a▁b', '▁friend!']), expected[1], JSON.stringify(decoder));
    assert.equal(tokenizer.decodeToken(0), ' Hey', 'a token on its own keeps its word-start space');
    assert.equal(tokenizer.decodeToken(3), ' ');
  }
});

test('WordPiece: ## joins a word, other tokens after the first get a space, cleanup works on each token as the library does', () => {
  const vocabulary = ['Ara', '##új', '##o', 'No', '##guera', '.', 'do', 'not', "'", 's', "n't", "'s"];
  const tokenizer = load(vocabulary, { type: 'WordPiece', prefix: '##', cleanup: true });
  assert.equal(decodeTokens(tokenizer, vocabulary, ['Ara', '##új', '##o', 'No', '##guera', '.']), 'Araújo Noguera.');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['##o', 'do', 'not', "'", 's', "n't", "'s"]), "##o do not ' sn't's", 'the cleanup sees one token at a time');
  assert.equal(tokenizer.decodeToken(1), 'új');
  assert.equal(tokenizer.decodeToken(0), ' Ara', 'a word start shown on its own keeps the space it adds');
  assert.equal(tokenizer.decodeToken(5), '.', 'cleanup: no space before a full stop');
  const raw = load(vocabulary, { type: 'WordPiece', prefix: '##', cleanup: false });
  assert.equal(decodeTokens(raw, vocabulary, ['No', '.', "'s"]), "No . 's");
});

test('Llama: Sequence[Replace ▁, ByteFallback, Fuse, Strip] decodes byte tokens, strips the one leading space of the text, not of a token', () => {
  const vocabulary = ['<unk>', '<s>', '▁Hello', '▁world', '<0x0A>', '<0xE5>', '<0x8F>', '<0xAB>', 'x'];
  const decoder = {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  };
  const tokenizer = load(vocabulary, decoder, [
    { id: 0, content: '<unk>', special: true },
    { id: 1, content: '<s>', special: true },
  ]);
  assert.equal(decodeTokens(tokenizer, vocabulary, ['▁Hello', '▁world', '<0x0A>', '▁Hello']), 'Hello world\n Hello');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['▁Hello', '<0xE5>', '<0x8F>', '<0xAB>']), ' Hello叫'.slice(1));
  assert.equal(decodeTokens(tokenizer, vocabulary, ['<0xE5>', '<0x8F>', 'x']), '\uFFFD\uFFFDx', 'an invalid run: one U+FFFD per byte token');
  assert.equal(decodeTokens(tokenizer, vocabulary, ['<s>', '▁Hello']), '<s> Hello');
  assert.equal(tokenizer.decode([1, 2], { skipSpecialTokens: true }), 'Hello');
  assert.equal(tokenizer.decodeToken(3), ' world', 'the Strip of the whole text does not reach a token in the middle');
  assert.equal(tokenizer.decodeToken(4), '\n');
  assert.equal(tokenizer.decodeToken(5), '<0xE5>');
  assert.equal(tokenizer.isSpecial(1), true);
  assert.equal(tokenizer.isSpecial(2), false);
  assert.equal(tokenizer.pipeline, 'Sequence[Replace, ByteFallback, Fuse, Strip]');
});

test("ByteFallback reads a byte as Rust's u8::from_str_radix does, a leading + included, and nothing that is not six bytes long", () => {
  const vocabulary = ['<0x+A>', '<0xG1>', '<0x41', '<0x41>', '<0xé>'];
  const tokenizer = load(vocabulary, { type: 'ByteFallback' });
  assert.equal(tokenizer.decode([0, 3]), '\nA');
  assert.equal(tokenizer.decode([1, 2, 4]), '<0xG1><0x41<0xé>');
});

test('Strip, BPEDecoder, CTC, Fuse and Replace with a regular expression, on the library tests own examples', () => {
  const strip = load(['Hey', ' friend!', 'HHH'], { type: 'Strip', content: 'H', start: 1, stop: 0 });
  assert.equal(strip.decode([0, 1, 2]), 'ey friend!HH');
  const stripAll = load([' ', 'a'], { type: 'Strip', content: ' ', start: 2, stop: 1 });
  assert.equal(stripAll.decode([0, 1]), 'a', 'a token that is all strip characters is cut to nothing, not past its start');
  const bpe = load(['a</w>', 'b</w>c', 'd</w>'], { type: 'BPEDecoder', suffix: '</w>' });
  assert.equal(bpe.decode([0, 1, 2]), 'a b cd');
  assert.equal(bpe.decodeToken(2), 'd ');
  const ctcVocabulary = '<pad> h e l o |'.split(' ');
  const ctc = load(ctcVocabulary, { type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true });
  assert.equal(decodeTokens(ctc, ctcVocabulary, '<pad> <pad> h e e l l <pad> l o o o <pad> | h'.split(' ')), 'hello h');
  const regex = load(['a##b', '_c'], { type: 'Replace', pattern: { Regex: '[#_]+' }, content: '-' });
  assert.equal(regex.decode([0, 1]), 'a-b-c');
  const fuse = load(['a', 'b'], { type: 'Fuse' });
  assert.equal(fuse.decode([0, 1, 0]), 'aba');
});

test('no decoder joins the tokens with spaces, as the library does; ids it does not know are left out as the library leaves them out', () => {
  const tokenizer = load(['a', 'b'], null);
  assert.equal(tokenizer.decode([0, 1, 7, -100, 1.5]), 'a b');
  assert.equal(tokenizer.decodeToken(7), undefined);
  assert.equal(tokenizer.decodeToken(-100), undefined);
  assert.equal(tokenizer.pipeline, 'no decoder (tokens joined with spaces)');
});

test('added tokens win over the vocabulary for their id; skipping special tokens skips by string, as the library does', () => {
  const tokenizer = load(['a', '<eos>', 'b'], { type: 'Fuse' }, [
    { id: 2, content: '[B]', special: false },
    { id: 3, content: '<eos>', special: true },
  ]);
  assert.equal(tokenizer.decode([0, 1, 2, 3]), 'a<eos>[B]<eos>');
  assert.equal(tokenizer.decode([0, 1, 2, 3], { skipSpecialTokens: true }), 'a[B]', 'id 1 is spelled like a special token: skipped too');
  assert.equal(tokenizer.size, 4);
});

test('Unigram vocabularies are lists of [piece, score], the index the id', () => {
  const parsed = parseTokenizerJson(
    JSON.stringify({
      added_tokens: [],
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: {
        type: 'Unigram',
        unk_id: 0,
        vocab: [
          ['<unk>', 0],
          ['▁the', -2.5],
          ['re', -3],
        ],
        byte_fallback: false,
      },
    }),
  );
  assert.equal(parsed.tokenizer?.decode([1, 2, 1]), 'there the');
});

test('a decoder this version does not know is left out and named; the rest of a Sequence still decodes', () => {
  const parsed = parseTokenizerJson(
    tokenizerJson(['▁a', '▁b'], { type: 'Sequence', decoders: [{ type: 'Cyrillic' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' }] }),
  );
  assert.equal(parsed.tokenizer?.decode([0, 1]), 'a b');
  assert.equal(parsed.tokenizer?.pipeline, 'Sequence[Cyrillic (not supported), Metaspace]');
  assert.equal(parsed.problems.length, 1);
  assert.match(parsed.problems[0] ?? '', /Cyrillic decoder is not supported/);
  const alone = parseTokenizerJson(tokenizerJson(['a', 'b'], { type: 'Mystery' }));
  assert.equal(alone.tokenizer?.decode([0, 1]), 'ab', 'an unknown decoder: the tokens joined, as a decoder with no steps joins them');
  assert.match(alone.problems[0] ?? '', /Mystery decoder is not supported/);
  const badRegex = parseTokenizerJson(tokenizerJson(['a'], { type: 'Replace', pattern: { Regex: '(?<=a' }, content: '' }));
  assert.match(badRegex.problems[0] ?? '', /Replace decoder is not supported/);
});

test('a file that is no tokenizer gives a problem and no decoder, never a throw', () => {
  for (const [text, expected] of [
    ['{"model": {"vocab": {"a": 0}', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['{"decoder": null}', /no "model" object/],
    ['{"model": {"type": "BPE", "vocab": 3}}', /BPE model has no "vocab"/],
    ['{"model": {"vocab": {"a": -1, "b": 1}}, "decoder": {"type": "Sequence", "decoders": 1}}', /1 vocabulary entries/],
  ] as const) {
    const parsed = parseTokenizerJson(text);
    assert.match(parsed.problems.join(' '), expected, text);
  }
  const nested = { type: 'Sequence', decoders: [] as unknown[] };
  let inner = nested;
  for (let depth = 0; depth < 20; depth += 1) {
    const next = { type: 'Sequence', decoders: [] as unknown[] };
    inner.decoders.push(next);
    inner = next;
  }
  assert.match(parseTokenizerJson(tokenizerJson(['a'], nested)).problems.join(' '), /nests Sequences deeper than 8/);
});

test('decodeUtf8 replaces ill-formed sequences exactly as TextDecoder does (maximal subparts), on random and hand-picked bytes', () => {
  const cases: number[][] = [
    [0xc3],
    [0xe5, 0x8f],
    [0xf0, 0x9f, 0x99],
    [0xed, 0xa0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc0, 0xaf],
    [0xff, 0x41],
  ];
  let seed = 15;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed >> 8;
  };
  for (let index = 0; index < 3000; index += 1) {
    const pool = [0x41, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xe5, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    cases.push(Array.from({ length: 1 + (next() % 8) }, () => (next() % 3 === 0 ? next() % 256 : (pool[next() % pool.length] ?? 0))));
  }
  for (const bytes of cases) assert.equal(decodeUtf8(bytes), new TextDecoder().decode(new Uint8Array(bytes)), JSON.stringify(bytes));
  assert.equal(decodeUtf8([0x61, 0xe5, 0x8f, 0x62], showInvalid), 'a<0xE5><0x8F>b');
  const out: number[] = [];
  pushUtf8('aé叫🙂\ud800', out);
  assert.deepEqual(out, [...new TextEncoder().encode('aé叫🙂\ud800')]);
});
