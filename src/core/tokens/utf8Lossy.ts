/**
 * UTF-8 decoding that replaces each invalid sequence the way Rust's `String::from_utf8_lossy` does (the
 * `tokenizers` library's ByteLevel decoder uses it): one U+FFFD per maximal subpart of an ill-formed
 * sequence, the Unicode Standard's recommended practice, which the WHATWG TextDecoder follows too. Written
 * out here rather than borrowed from TextDecoder because a single token's display needs the invalid bytes
 * themselves, not only their replacement.
 */

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** How to write a run of bytes that is no UTF-8 character: the library's U+FFFD each, or the bytes themselves for a display. */
export type InvalidBytes = (bytes: readonly number[]) => string;

export const replaceInvalid: InvalidBytes = () => REPLACEMENT_CHARACTER;

/** `<0xE5>`, the notation SentencePiece's byte tokens use, so a reader knows it for one byte of a longer character. */
export const showInvalid: InvalidBytes = (bytes) => bytes.map(byteToken).join('');

export function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The continuation-byte range allowed right after a lead byte (tighter for E0, ED, F0, F4: no overlongs, surrogates or code points above U+10FFFF). */
function sequenceShape(lead: number): { readonly length: number; readonly low: number; readonly high: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 3, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { length: 3, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 4, low: 0x90, high: 0xbf };
  if (lead === 0xf4) return { length: 4, low: 0x80, high: 0x8f };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, low: 0x80, high: 0xbf };
  return undefined;
}

/** Decodes bytes as UTF-8; each maximal ill-formed subpart is written by `invalid` (one U+FFFD by default). */
export function decodeUtf8(bytes: ArrayLike<number>, invalid: InvalidBytes = replaceInvalid): string {
  const parts: string[] = [];
  const codePoints: number[] = [];
  const flush = (): void => {
    // fromCodePoint with a bounded argument count: a long token list must not overflow the call stack.
    for (let start = 0; start < codePoints.length; start += 4096) parts.push(String.fromCodePoint(...codePoints.slice(start, start + 4096)));
    codePoints.length = 0;
  };
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      codePoints.push(lead);
      index += 1;
      continue;
    }
    const shape = sequenceShape(lead);
    if (shape === undefined) {
      flush();
      parts.push(invalid([lead]));
      index += 1;
      continue;
    }
    let value = lead & (shape.length === 2 ? 0x1f : shape.length === 3 ? 0x0f : 0x07);
    let taken = 1;
    while (taken < shape.length) {
      const next = bytes[index + taken];
      const low = taken === 1 ? shape.low : 0x80;
      const high = taken === 1 ? shape.high : 0xbf;
      if (next === undefined || next < low || next > high) break;
      value = (value << 6) | (next & 0x3f);
      taken += 1;
    }
    if (taken === shape.length) codePoints.push(value);
    else {
      flush();
      parts.push(invalid(Array.from({ length: taken }, (_, offset) => bytes[index + offset] ?? 0)));
    }
    index += taken;
  }
  flush();
  return parts.join('');
}

/**
 * Appends the UTF-8 bytes of a string (written here: core has no TextEncoder). A lone surrogate, which JSON can
 * spell, becomes U+FFFD's bytes, as TextEncoder and Rust's strings (which cannot hold one) would have it.
 */
export function pushUtf8(text: string, out: number[]): void {
  for (const character of text) {
    let code = character.codePointAt(0) ?? 0xfffd;
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
}
