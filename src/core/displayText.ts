/**
 * Strings that came from files (run names, metric keys, paths, problems quoting them) shown to a person. A
 * folder name may hold a newline, an ANSI escape sequence or a bidirectional override as easily as a letter;
 * printed raw, it rewrites a terminal's colours and cursor or reorders the text around it, and in Markdown it
 * ends a table row or opens a code block that swallows the rest of the hover card.
 */

/**
 * C0 and C1 controls, DEL, and the format characters that reorder or hide text (bidirectional embeddings,
 * overrides and isolates, marks, zero-width characters, line and paragraph separators, the BOM).
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\u206a-\u206f\ufeff\ufff9-\ufffb]/g;

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function visible(char: string): string {
  return ESCAPES[char] ?? `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;
}

/**
 * The text with every control and invisible format character written out as an escape (`\n`, `\e`,
 * `\u{202e}`): an ANSI sequence loses its ESC and prints as the characters after it, a line break cannot
 * start a new line, and what a reader sees is every character there is.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, visible);
}

/** Every ASCII punctuation character: CommonMark lets a backslash make each of them literal, and none is then syntax. */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/**
 * Text for a Markdown string, shown literally: controls made visible first (so no line break ever reaches
 * the Markdown), then every ASCII punctuation character backslash-escaped, which covers emphasis, code
 * spans and fences (`` ` `` and `~`), headings (`#`, and `=`/`-` under a line), lists, tables (`|`), links,
 * HTML and entities (`<`, `&`), and VS Code's theme icons (`$(…)`).
 */
export function escapeMarkdown(text: string): string {
  return visibleText(text).replace(ASCII_PUNCTUATION, '\\$&');
}
