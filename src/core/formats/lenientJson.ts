/**
 * Python's `json` module writes bare `NaN`, `Infinity` and `-Infinity`, which `JSON.parse` rejects.
 * We try the strict parser first (the common case, and the fastest), and only on failure rewrite those
 * tokens, outside strings, to sentinel strings that a reviver turns back into numbers.
 */
const NAN = '\u0000NaN';
const POS_INF = '\u0000Infinity';
const NEG_INF = '\u0000-Infinity';

const SENTINELS: ReadonlyMap<string, number> = new Map([
  [NAN, Number.NaN],
  [POS_INF, Number.POSITIVE_INFINITY],
  [NEG_INF, Number.NEGATIVE_INFINITY],
]);

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.charCodeAt(0) === 0) {
    const number = SENTINELS.get(value);
    if (number !== undefined) return number;
  }
  return value;
}

/** Rewrites the bare non-finite literals that lie outside string literals. */
function quoteNonFiniteLiterals(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      continue;
    }
    let literal: string | undefined;
    let replacement = '';
    if (text.startsWith('NaN', i)) [literal, replacement] = ['NaN', NAN];
    else if (text.startsWith('-Infinity', i)) [literal, replacement] = ['-Infinity', NEG_INF];
    else if (text.startsWith('Infinity', i)) [literal, replacement] = ['Infinity', POS_INF];
    if (literal === undefined) continue;
    out += text.slice(copiedUpTo, i) + JSON.stringify(replacement);
    i += literal.length - 1;
    copiedUpTo = i + 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Parses JSON as Python writes it. Throws SyntaxError like `JSON.parse` when the text is not JSON. */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (strictError) {
    if (!/NaN|Infinity/.test(text)) throw strictError;
    return JSON.parse(quoteNonFiniteLiterals(text), revive);
  }
}
