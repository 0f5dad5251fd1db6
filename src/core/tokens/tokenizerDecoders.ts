import { byteToken, decodeUtf8, pushUtf8, REPLACEMENT_CHARACTER, replaceInvalid, showInvalid } from './utf8Lossy';

/**
 * The decoders of a `tokenizer.json`, read and applied as the `tokenizers` library (Rust,
 * `tokenizers/src/decoders/*.rs`, with ByteLevel and Metaspace in `pre_tokenizers/`) applies them: each step
 * maps the list of token strings to a new list, and the decoded text is the last list joined without a
 * separator. Only decoding: the encoder side of these types is not needed to show a token id as text.
 */
export type DecoderStep =
  | { readonly kind: 'ByteLevel' }
  | { readonly kind: 'Metaspace'; readonly replacement: string; readonly stripFirst: boolean }
  | { readonly kind: 'WordPiece'; readonly prefix: string; readonly cleanup: boolean }
  | { readonly kind: 'BPEDecoder'; readonly suffix: string }
  | { readonly kind: 'CTC'; readonly padToken: string; readonly wordDelimiterToken: string; readonly cleanup: boolean }
  | { readonly kind: 'Replace'; readonly replace: (token: string) => string }
  | { readonly kind: 'ByteFallback' }
  | { readonly kind: 'Fuse' }
  | { readonly kind: 'Strip'; readonly content: string; readonly start: number; readonly stop: number }
  | { readonly kind: 'Sequence'; readonly steps: readonly DecoderStep[] }
  | { readonly kind: 'Unsupported'; readonly name: string };

/**
 * `display`: the text one token adds in the middle of a sequence, for a token list or a table, instead of the
 * library's text for a sequence of its own. The first-token rules (Metaspace's and WordPiece's) do not apply,
 * a Strip of the whole fused text does not apply (it trims only the text's ends), and bytes that are no UTF-8
 * character on their own are shown as `<0xE5>` instead of U+FFFD.
 */
export interface DecodeMode {
  readonly display: boolean;
}

/** A list of token strings on its way through the steps; `fused` once a step made it one string (Fuse, ByteLevel). */
interface Chain {
  readonly tokens: readonly string[];
  readonly fused: boolean;
}

const MAX_SEQUENCE_DEPTH = 8;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(config: Readonly<Record<string, unknown>>, key: string, fallback: string): string {
  const value = config[key];
  return typeof value === 'string' ? value : fallback;
}

function countField(config: Readonly<Record<string, unknown>>, key: string): number {
  const value = config[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** One Unicode scalar value, as Rust's `char` fields (Metaspace's replacement, Strip's content) must be. */
function singleCharacter(value: unknown): string | undefined {
  return typeof value === 'string' && [...value].length === 1 ? value : undefined;
}

function unsupported(name: string, why: string, problems: string[]): DecoderStep {
  problems.push(`The tokenizer's ${name} decoder is not supported (${why}); its step is left out, so the decoded text may differ from the library's.`);
  return { kind: 'Unsupported', name };
}

function metaspaceStep(config: Readonly<Record<string, unknown>>, problems: string[]): DecoderStep {
  const replacement = singleCharacter(config['replacement'] ?? '\u2581');
  if (replacement === undefined) return unsupported('Metaspace', 'its replacement is not one character', problems);
  // Files written before `prepend_scheme` existed say `add_prefix_space`; false meant what `never` means now.
  const scheme = config['prepend_scheme'];
  const stripFirst = typeof scheme === 'string' ? scheme !== 'never' : config['add_prefix_space'] !== false;
  return { kind: 'Metaspace', replacement, stripFirst };
}

function replaceStep(config: Readonly<Record<string, unknown>>, problems: string[]): DecoderStep {
  const pattern = config['pattern'];
  const content = stringField(config, 'content', '');
  if (isRecord(pattern) && typeof pattern['String'] === 'string') {
    const literal = pattern['String'];
    if (literal === '') return unsupported('Replace', 'its pattern is empty', problems);
    return { kind: 'Replace', replace: (token) => token.split(literal).join(content) };
  }
  if (isRecord(pattern) && typeof pattern['Regex'] === 'string') {
    const source = pattern['Regex'];
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'gu');
    } catch {
      return unsupported('Replace', `its regular expression ${JSON.stringify(source)} is not one JavaScript reads as Oniguruma does`, problems);
    }
    return { kind: 'Replace', replace: (token) => token.replace(regex, () => content) };
  }
  return unsupported('Replace', 'its pattern is neither {"String": …} nor {"Regex": …}', problems);
}

/** Reads a `decoder` entry; undefined for `null` (the library then joins the tokens with spaces). */
export function parseDecoder(value: unknown, problems: string[], depth = 0): DecoderStep | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isRecord(value)) return unsupported('(unnamed)', 'it is not a JSON object', problems);
  const type = value['type'];
  switch (type) {
    case 'ByteLevel':
    case 'ByteFallback':
    case 'Fuse':
      return { kind: type };
    case 'Metaspace':
      return metaspaceStep(value, problems);
    case 'WordPiece':
      return { kind: 'WordPiece', prefix: stringField(value, 'prefix', '##'), cleanup: value['cleanup'] !== false };
    case 'BPEDecoder':
      return { kind: 'BPEDecoder', suffix: stringField(value, 'suffix', '</w>') };
    case 'CTC':
      return {
        kind: 'CTC',
        padToken: stringField(value, 'pad_token', '<pad>'),
        wordDelimiterToken: stringField(value, 'word_delimiter_token', '|'),
        cleanup: value['cleanup'] !== false,
      };
    case 'Replace':
      return replaceStep(value, problems);
    case 'Strip': {
      const content = singleCharacter(value['content']);
      if (content === undefined) return unsupported('Strip', 'its content is not one character', problems);
      return { kind: 'Strip', content, start: countField(value, 'start'), stop: countField(value, 'stop') };
    }
    case 'Sequence': {
      const decoders = value['decoders'];
      if (!Array.isArray(decoders)) return unsupported('Sequence', 'it has no list of decoders', problems);
      if (depth >= MAX_SEQUENCE_DEPTH) return unsupported('Sequence', `it nests Sequences deeper than ${MAX_SEQUENCE_DEPTH}`, problems);
      const steps = decoders.map((entry: unknown) => parseDecoder(entry, problems, depth + 1) ?? unsupported('(null)', 'a Sequence entry is null', problems));
      return { kind: 'Sequence', steps };
    }
    default:
      return unsupported(
        typeof type === 'string' ? type : '(untyped)',
        'this version reads ByteLevel, Metaspace, WordPiece, BPEDecoder, CTC, Replace, ByteFallback, Fuse, Strip and Sequence',
        problems,
      );
  }
}

/** The library's byte-level alphabet (GPT-2's `bytes_to_unicode`): printable Latin-1 bytes stand for themselves, the rest are shifted past U+0100. */
function byteLevelAlphabet(): ReadonlyMap<string, number> {
  const printable = (byte: number): boolean => (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  const map = new Map<string, number>();
  let shifted = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    if (printable(byte)) map.set(String.fromCodePoint(byte), byte);
    else {
      map.set(String.fromCodePoint(256 + shifted), byte);
      shifted += 1;
    }
  }
  return map;
}

const BYTE_LEVEL = byteLevelAlphabet();

/** Every token's bytes through the alphabet; a token with a character outside it adds its own UTF-8 bytes, whole, as the library does. */
function byteLevel(tokens: readonly string[], mode: DecodeMode): string {
  const bytes: number[] = [];
  for (const token of tokens) {
    const mark = bytes.length;
    let mapped = true;
    for (const character of token) {
      const byte = BYTE_LEVEL.get(character);
      if (byte === undefined) {
        mapped = false;
        break;
      }
      bytes.push(byte);
    }
    if (!mapped) {
      bytes.length = mark;
      pushUtf8(token, bytes);
    }
  }
  return decodeUtf8(bytes, mode.display ? showInvalid : replaceInvalid);
}

/** `<0xE5>`: exactly six bytes, and the two in the middle parse as Rust's `u8::from_str_radix(_, 16)` reads them (a leading `+` included). */
function fallbackByte(token: string): number | undefined {
  if (token.length !== 6 || !token.startsWith('<0x') || !token.endsWith('>')) return undefined;
  const digits = token.slice(3, 5);
  return /^\+?[0-9a-fA-F]+$/.test(digits) ? Number.parseInt(digits, 16) : undefined;
}

/** Runs of byte tokens become their UTF-8 text when they are valid as a whole, else one U+FFFD per byte token (the library's rule). */
function byteFallback(tokens: readonly string[], mode: DecodeMode): string[] {
  const out: string[] = [];
  const pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    let valid = true;
    const text = decodeUtf8(pending, () => {
      valid = false;
      return '';
    });
    if (valid) out.push(text);
    else for (const byte of pending) out.push(mode.display ? byteToken(byte) : REPLACEMENT_CHARACTER);
    pending.length = 0;
  };
  for (const token of tokens) {
    const byte = fallbackByte(token);
    if (byte !== undefined) pending.push(byte);
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

/** The WordPiece decoder's cleanup, applied to each token after its space was added (not to the joined text). */
export function wordPieceCleanup(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

function strip(token: string, step: { readonly content: string; readonly start: number; readonly stop: number }): string {
  const characters = [...token];
  let startCut = 0;
  while (startCut < Math.min(step.start, characters.length) && characters[startCut] === step.content) startCut += 1;
  let stopCut = characters.length;
  while (characters.length - stopCut < Math.min(step.stop, characters.length - startCut) && characters[stopCut - 1] === step.content) stopCut -= 1;
  return characters.slice(startCut, stopCut).join('');
}

function ctc(tokens: readonly string[], step: Extract<DecoderStep, { kind: 'CTC' }>): string[] {
  const out: string[] = [];
  tokens.forEach((token, index) => {
    if (index > 0 && tokens[index - 1] === token) return;
    let text = token.split(step.padToken).join('');
    if (step.cleanup) text = wordPieceCleanup(text).split(step.wordDelimiterToken).join(' ');
    if (text !== '') out.push(text);
  });
  return out;
}

function applyStep(step: DecoderStep, chain: Chain, mode: DecodeMode): Chain {
  const { tokens } = chain;
  switch (step.kind) {
    case 'ByteLevel':
      return { tokens: [byteLevel(tokens, mode)], fused: true };
    case 'Fuse':
      return { tokens: [tokens.join('')], fused: true };
    case 'ByteFallback':
      return { tokens: byteFallback(tokens, mode), fused: chain.fused };
    case 'Metaspace':
      return {
        tokens: tokens.map((token, index) => token.split(step.replacement).join(index === 0 && step.stripFirst && !mode.display ? '' : ' ')),
        fused: chain.fused,
      };
    case 'WordPiece':
      return {
        tokens: tokens.map((token, index) => {
          let text = token;
          if (index !== 0 || mode.display) text = token.startsWith(step.prefix) ? token.slice(step.prefix.length) : ` ${token}`;
          return step.cleanup ? wordPieceCleanup(text) : text;
        }),
        fused: chain.fused,
      };
    case 'BPEDecoder':
      return {
        tokens: tokens.map((token, index) => token.split(step.suffix).join(index === tokens.length - 1 && !mode.display ? '' : ' ')),
        fused: chain.fused,
      };
    case 'CTC':
      return { tokens: ctc(tokens, step), fused: chain.fused };
    case 'Replace':
      return { tokens: tokens.map(step.replace), fused: chain.fused };
    case 'Strip':
      // After a Fuse the one string is the whole text: its Strip trims the text's ends, which a token in the middle does not reach.
      return chain.fused && mode.display ? chain : { tokens: tokens.map((token) => strip(token, step)), fused: chain.fused };
    case 'Sequence':
      return step.steps.reduce((current, inner) => applyStep(inner, current, mode), chain);
    case 'Unsupported':
      return chain;
  }
}

/** The decoded text of token strings through a decoder, as the library's `Decoder::decode` joins it. */
export function runDecoder(step: DecoderStep, tokens: readonly string[], mode: DecodeMode): string {
  return applyStep(step, { tokens, fused: false }, mode).tokens.join('');
}

/** The decoder's shape in a few words, for a message saying how the text was decoded: `Sequence[Replace, ByteFallback, Fuse, Strip]`. */
export function describeDecoder(step: DecoderStep | undefined): string {
  if (step === undefined) return 'no decoder (tokens joined with spaces)';
  if (step.kind === 'Sequence') return `Sequence[${step.steps.map(describeDecoder).join(', ')}]`;
  return step.kind === 'Unsupported' ? `${step.name} (not supported)` : step.kind;
}
