import type { FixStep, FixText } from './finding';
import { stringOf } from './frameworks';
import { dictCall, type PyCall, type Span } from './syntax';

/** A replacement of [start, end) in the script's text (UTF-16 offsets). */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/** The quote the script already uses in this stretch, so that a fix reads like the code around it. */
function quoteIn(text: string, span: Span): string {
  const stretch = text.slice(span.start, span.end);
  return (stretch.match(/'/g)?.length ?? 0) > (stretch.match(/"/g)?.length ?? 0) ? "'" : '"';
}

function literal(value: string, quote: string): string {
  return quote + value.replace(/\\/g, '\\\\').replaceAll(quote, `\\${quote}`) + quote;
}

/** `metricKey` null: no accuracy key is known, and a step that writes one is never planned (the report offers no fix). */
function code(value: FixText, metricKey: string | null, quote: string): string {
  if ('metric' in value) {
    if (metricKey === null) throw new Error('A fix that writes an accuracy key needs a key the script logs.');
    return literal(metricKey, quote);
  }
  return value.code.replace(/^"(.*)"$/, (_, inner: string) => literal(inner, quote));
}

/** A bracketed list that items are added to: an argument list or a dictionary. */
interface Container {
  readonly span: Span;
  readonly lastItemEnd: number | null;
  readonly items: string[];
}

/**
 * Added items follow the list's layout: on one line with ", ", or one per line at the last item's indent,
 * after a trailing comma (and any comment on its line) when there is one.
 */
function insertion(text: string, container: Container): TextEdit {
  const open = container.span.start;
  const close = container.span.end - 1;
  const last = container.lastItemEnd;
  if (last === null) return { start: open + 1, end: open + 1, newText: container.items.join(', ') };
  const lineStart = text.lastIndexOf('\n', last - 1) + 1;
  if (lineStart <= open) return { start: last, end: last, newText: container.items.map((item) => `, ${item}`).join('') };
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
  // New lines end as the script's do: a \n inside a \r\n file would split its line ends.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const comma = /^[ \t]*,/.exec(text.slice(last, close));
  if (comma === null) {
    // A comment after the last item stays with it: the comma goes before the comment, the items after it.
    const lineEnd = lineEndFrom(text, last);
    const rest = lineEnd !== -1 && lineEnd < close ? text.slice(last, lineEnd) : '';
    const kept = /^[ \t]*#/.test(rest) ? rest : '';
    return { start: last, end: last + kept.length, newText: `,${kept}` + container.items.map((item) => `${eol}${indent}${item}`).join(',') };
  }
  const afterComma = last + comma[0].length;
  const lineEnd = lineEndFrom(text, afterComma);
  const at = lineEnd !== -1 && lineEnd < close ? lineEnd : afterComma;
  return { start: at, end: at, newText: container.items.map((item) => `${eol}${indent}${item},`).join('') };
}

/** Where the line that holds `from` ends, before its \r\n or \n; -1 on the last line. */
function lineEndFrom(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline > from && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
}

/**
 * Whether a fix would add a keyword to a call that also takes `*args` or `**kwargs`: what they hold is not
 * known, and a keyword given twice is a TypeError when the script runs. Such a finding is shown without a fix.
 */
export function addsToUnknownArguments(steps: readonly FixStep[]): boolean {
  return steps.some(
    (step) => (step.kind === 'keyword' || step.kind === 'keyword-entry') && step.call.hasSplat && !step.call.args.some((arg) => arg.name === step.name),
  );
}

/** The edits that carry out a fix; steps that cannot be carried out safely (a non-literal dict) are skipped. */
export function planFix(text: string, steps: readonly FixStep[], metricKey: string | null): TextEdit[] {
  const edits: TextEdit[] = [];
  const containers = new Map<number, Container>();
  const add = (span: Span, lastItemEnd: number | null, item: string): void => {
    const container = containers.get(span.start) ?? { span, lastItemEnd, items: [] };
    container.items.push(item);
    containers.set(span.start, container);
  };
  const setKeyword = (call: PyCall, name: string, value: FixText, quote: string): void => {
    const existing = call.args.find((arg) => arg.name === name);
    if (existing !== undefined) edits.push({ ...existing.value.span, newText: code(value, metricKey, quote) });
    else add(call.argsSpan, call.lastItemEnd, `${name}=${code(value, metricKey, quote)}`);
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'replace':
        edits.push({ ...step.span, newText: code(step.value, metricKey, quoteIn(text, step.span)) });
        break;
      case 'keyword':
        setKeyword(step.call, step.name, step.value, quoteIn(text, step.call.argsSpan));
        break;
      case 'entry': {
        const quote = quoteIn(text, step.dict.span);
        const existing = step.dict.entries.find((entry) => stringOf(entry.key) === step.key);
        if (existing !== undefined) edits.push({ ...existing.value.span, newText: code(step.value, metricKey, quote) });
        else add(step.dict.span, step.dict.lastItemEnd, `${literal(step.key, quote)}: ${code(step.value, metricKey, quote)}`);
        break;
      }
      case 'keyword-entry': {
        const quote = quoteIn(text, step.call.argsSpan);
        const existing = step.call.args.find((arg) => arg.name === step.name);
        const asCall = existing === undefined ? undefined : dictCall(existing.value);
        if (existing === undefined) {
          add(step.call.argsSpan, step.call.lastItemEnd, `${step.name}={${literal(step.key, quote)}: ${code(step.value, metricKey, quote)}}`);
        } else if (asCall !== undefined) {
          setKeyword(asCall, step.key, step.value, quote);
        } else if (existing.value.kind === 'dict') {
          const dict = existing.value;
          const entry = dict.entries.find((e) => stringOf(e.key) === step.key);
          if (entry !== undefined) edits.push({ ...entry.value.span, newText: code(step.value, metricKey, quote) });
          else add(dict.span, dict.lastItemEnd, `${literal(step.key, quote)}: ${code(step.value, metricKey, quote)}`);
        }
        break;
      }
    }
  }
  for (const container of containers.values()) edits.push(insertion(text, container));
  return edits.sort((a, b) => a.start - b.start);
}

/** The quick fix's title: what it will write, so the user can judge it before applying. */
export function fixTitle(steps: readonly FixStep[], metricKey: string | null): string {
  const show = (value: FixText): string => ('metric' in value ? `"${metricKey ?? '?'}"` : value.code);
  const parts = steps.map((step) => {
    switch (step.kind) {
      case 'replace':
        return show(step.value);
      case 'keyword':
        return `${step.name}=${show(step.value)}`;
      case 'entry':
        return `"${step.key}": ${show(step.value)}`;
      case 'keyword-entry':
        return `${step.name}["${step.key}"]=${show(step.value)}`;
    }
  });
  return `Set ${parts.join(', ')}`;
}
