import { describeDecoder, parseDecoder, runDecoder, type DecoderStep } from './tokenizerDecoders';

export interface DecodeOptions {
  /** Leave out the added tokens marked special (`<|endoftext|>`, `[CLS]`), as the library's `skip_special_tokens`. Default false. */
  readonly skipSpecialTokens?: boolean;
}

/** A tokenizer read from `tokenizer.json`, decode only (a TokenTextDecoder for the per-token views). */
export interface TokenizerDecoder {
  /**
   * The text of a sequence of ids exactly as the `tokenizers` library's `Tokenizer.decode` gives it: ids the
   * tokenizer does not know are left out (the library's rule too), special tokens are kept unless asked.
   */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /**
   * The text one token adds in the middle of a sequence, for showing that token on its own: its leading space
   * or newline kept (a view makes them visible), a Metaspace `▁` or a WordPiece word start as a space, and a
   * byte that is only part of a character as `<0xE5>` rather than U+FFFD. Undefined for an id it does not know.
   */
  decodeToken(id: number): string | undefined;
  /** The vocabulary's string for an id (`Ġthe`, `▁the`, `##ing`), undefined when unknown. */
  tokenString(id: number): string | undefined;
  isSpecial(id: number): boolean;
  /** How many ids it knows (model vocabulary and added tokens). */
  readonly size: number;
  /** The decoder pipeline in a few words, for saying how text was decoded. */
  readonly pipeline: string;
}

export type TokenizerParse =
  { readonly tokenizer: TokenizerDecoder; readonly problems: readonly string[] } | { readonly tokenizer?: undefined; readonly problems: readonly string[] };

/** Token ids are u32 in the library. */
const MAX_ID = 0xffffffff;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ID;
}

/**
 * The model's id-to-string table. BPE, WordPiece and WordLevel write `vocab` as `{token: id}`, Unigram as a
 * list of `[piece, score]` whose index is the id; the shape decides, so a model type this version has not seen
 * but that stores its vocabulary one of these ways still reads.
 */
function modelVocabulary(model: unknown, problems: string[]): Map<number, string> | undefined {
  if (!isRecord(model)) {
    problems.push('It has no "model" object, so token ids cannot be looked up.');
    return undefined;
  }
  const vocab = model['vocab'];
  const table = new Map<number, string>();
  let skipped = 0;
  if (Array.isArray(vocab)) {
    vocab.forEach((entry: unknown, id) => {
      if (Array.isArray(entry) && typeof entry[0] === 'string') table.set(id, entry[0]);
      else skipped += 1;
    });
  } else if (isRecord(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      if (validId(id)) table.set(id, token);
      else skipped += 1;
    }
  } else {
    const type = typeof model['type'] === 'string' ? `${model['type']} ` : '';
    problems.push(
      `Its ${type}model has no "vocab" this version reads (an object of token to id, or a list of [piece, score]), so token ids cannot be looked up.`,
    );
    return undefined;
  }
  if (skipped > 0) problems.push(`${skipped} vocabulary entries have no usable id or piece and are left out.`);
  return table;
}

/** Added tokens: their strings win over the model's for the same id (the library looks them up first), and their `special` flags. */
function addedTokens(value: unknown, problems: string[]): { readonly table: Map<number, string>; readonly specialStrings: Set<string> } {
  const table = new Map<number, string>();
  const specialStrings = new Set<string>();
  if (!Array.isArray(value)) return { table, specialStrings };
  let skipped = 0;
  for (const entry of value as readonly unknown[]) {
    if (!isRecord(entry) || !validId(entry['id']) || typeof entry['content'] !== 'string') {
      skipped += 1;
      continue;
    }
    table.set(entry['id'], entry['content']);
    if (entry['special'] === true) specialStrings.add(entry['content']);
  }
  if (skipped > 0) problems.push(`${skipped} added tokens have no usable id or content and are left out.`);
  return { table, specialStrings };
}

class JsonTokenizer implements TokenizerDecoder {
  readonly size: number;
  readonly pipeline: string;

  constructor(
    private readonly model: ReadonlyMap<number, string>,
    private readonly added: ReadonlyMap<number, string>,
    private readonly specialStrings: ReadonlySet<string>,
    private readonly decoder: DecoderStep | undefined,
  ) {
    let size = model.size;
    for (const id of added.keys()) if (!model.has(id)) size += 1;
    this.size = size;
    this.pipeline = describeDecoder(decoder);
  }

  tokenString(id: number): string | undefined {
    return this.added.get(id) ?? this.model.get(id);
  }

  isSpecial(id: number): boolean {
    const token = this.tokenString(id);
    return token !== undefined && this.specialStrings.has(token);
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.tokenString(id);
      // The library skips by string: a vocabulary entry spelled like a special added token is skipped too.
      if (token !== undefined && !(options.skipSpecialTokens === true && this.specialStrings.has(token))) tokens.push(token);
    }
    if (this.decoder === undefined) return tokens.join(' ');
    return runDecoder(this.decoder, tokens, { display: false });
  }

  decodeToken(id: number): string | undefined {
    const token = this.tokenString(id);
    if (token === undefined) return undefined;
    return this.decoder === undefined ? token : runDecoder(this.decoder, [token], { display: true });
  }
}

/**
 * Reads the text of a `tokenizer.json` (the `tokenizers` library's file, which Hugging Face saves beside a
 * model) into a decoder. Never throws: a file it cannot use gives problems and no tokenizer; a decoder step
 * it does not support is left out and named in the problems, the rest still decodes.
 */
export function parseTokenizerJson(text: string): TokenizerParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`It is not valid JSON (${error instanceof Error ? error.message : String(error)}).`] };
  }
  if (!isRecord(json)) return { problems: ['It is not a JSON object, so it is no tokenizer.json.'] };
  const problems: string[] = [];
  const model = modelVocabulary(json['model'], problems);
  if (model === undefined) return { problems };
  const added = addedTokens(json['added_tokens'], problems);
  const decoder = parseDecoder(json['decoder'], problems);
  return { tokenizer: new JsonTokenizer(model, added.table, added.specialStrings, decoder), problems };
}
