import type { Node } from 'web-tree-sitter';
import { collectImports, mergeImports, qualify, type Imports } from './imports';

/** Offsets in UTF-16 code units into the script's text, as VS Code's `positionAt` takes them. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface DictEntry {
  readonly key: PyValue;
  readonly value: PyValue;
  readonly span: Span;
}

/** Only the values the rules read are told apart; everything else is `other` and is never guessed at. */
export type PyValue =
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'dict'; readonly entries: readonly DictEntry[]; readonly hasSplat: boolean; readonly lastItemEnd: number | null; readonly span: Span }
  | { readonly kind: 'call'; readonly call: PyCall; readonly span: Span }
  | { readonly kind: 'other'; readonly text: string; readonly span: Span };

export interface PyArgument {
  /** null for a positional argument. */
  readonly name: string | null;
  readonly value: PyValue;
  readonly span: Span;
}

export interface PyCall {
  /** The callee as written, without spaces: `TA`, `tf.keras.callbacks.EarlyStopping`, `scheduler.step`. */
  readonly callee: string;
  /** The callee through the imports (`transformers.TrainingArguments`), or null when it was not imported. */
  readonly qualified: string | null;
  readonly calleeSpan: Span;
  readonly args: readonly PyArgument[];
  /** `*args` or `**kwargs` among the arguments: what they hold is not known, so absences prove nothing. */
  readonly hasSplat: boolean;
  /** From `(` to `)`. */
  readonly argsSpan: Span;
  /** Where the last argument (splats included) ends, comments left out; null for `()`. */
  readonly lastItemEnd: number | null;
  readonly span: Span;
}

export interface PyAssignment {
  readonly target: string;
  readonly value: PyValue;
}

export interface PyComparison {
  readonly operands: readonly string[];
  readonly operators: readonly string[];
  readonly span: Span;
}

/** The part of a Python script the rules read: calls, dictionaries, assignments and comparisons, in order. */
export interface PythonScript {
  readonly imports: Imports;
  readonly calls: readonly PyCall[];
  readonly dicts: readonly Extract<PyValue, { kind: 'dict' }>[];
  readonly assignments: readonly PyAssignment[];
  readonly comparisons: readonly PyComparison[];
  /** Plain string literals, for matching a script to the run directory it writes. */
  readonly strings: readonly string[];
}

const spanOf = (node: Node): Span => ({ start: node.startIndex, end: node.endIndex });
const compact = (text: string): string => text.replace(/\s+/g, '');
const lastItemEnd = (node: Node): number | null => node.namedChildren.filter((child) => child.type !== 'comment').pop()?.endIndex ?? null;

/** A plain (non-f, non-byte) string's content; null when it interpolates or is not a plain string. */
function stringValue(node: Node): string | null {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map(stringValue);
    return parts.every((part): part is string => part !== null) ? parts.join('') : null;
  }
  if (node.type !== 'string') return null;
  const start = node.namedChildren.find((child) => child.type === 'string_start');
  if (start === undefined || /[fFbB]/.test(start.text)) return null;
  if (node.namedChildren.some((child) => child.type === 'interpolation')) return null;
  return node.namedChildren
    .filter((child) => child.type === 'string_content')
    .map((child) => child.text)
    .join('');
}

/**
 * Builds the view from the node types the rules read, which the parser finds natively
 * (`descendantsOfType`): walking every node from JavaScript costs several times the parse itself.
 * Calls and dictionaries are cached by node id, as one can be both found on its own and read as a value.
 */
class ScriptBuilder {
  private readonly callCache = new Map<number, PyCall | null>();
  private readonly dictCache = new Map<number, Extract<PyValue, { kind: 'dict' }>>();

  constructor(private readonly imports: Imports) {}

  value(node: Node): PyValue {
    const span = spanOf(node);
    switch (node.type) {
      case 'true':
      case 'false':
        return { kind: 'bool', value: node.type === 'true', span };
      case 'string':
      case 'concatenated_string': {
        const value = stringValue(node);
        if (value !== null) return { kind: 'string', value, span };
        break;
      }
      case 'dictionary':
        return this.dict(node);
      case 'call': {
        const call = this.call(node);
        if (call !== null) return { kind: 'call', call, span };
        break;
      }
    }
    return { kind: 'other', text: node.text, span };
  }

  dict(node: Node): Extract<PyValue, { kind: 'dict' }> {
    const cached = this.dictCache.get(node.id);
    if (cached !== undefined) return cached;
    const entries: DictEntry[] = [];
    for (const pair of node.namedChildren) {
      const key = pair.childForFieldName('key');
      const value = pair.childForFieldName('value');
      if (pair.type === 'pair' && key !== null && value !== null) entries.push({ key: this.value(key), value: this.value(value), span: spanOf(pair) });
    }
    const dict = { kind: 'dict' as const, entries, hasSplat: node.namedChildren.some((child) => child.type === 'dictionary_splat'), lastItemEnd: lastItemEnd(node), span: spanOf(node) };
    this.dictCache.set(node.id, dict);
    return dict;
  }

  call(node: Node): PyCall | null {
    const cached = this.callCache.get(node.id);
    if (cached !== undefined) return cached;
    const fn = node.childForFieldName('function');
    const list = node.childForFieldName('arguments');
    let call: PyCall | null = null;
    if (fn !== null && list !== null && list.type === 'argument_list') {
      const callee = compact(fn.text);
      const args: PyArgument[] = [];
      let hasSplat = false;
      for (const arg of list.namedChildren) {
        if (arg.type === 'comment') continue;
        if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') hasSplat = true;
        else if (arg.type === 'keyword_argument') {
          const name = arg.childForFieldName('name');
          const value = arg.childForFieldName('value');
          if (name !== null && value !== null) args.push({ name: name.text, value: this.value(value), span: spanOf(arg) });
        } else args.push({ name: null, value: this.value(arg), span: spanOf(arg) });
      }
      call = { callee, qualified: qualify(this.imports, callee), calleeSpan: spanOf(fn), args, hasSplat, argsSpan: spanOf(list), lastItemEnd: lastItemEnd(list), span: spanOf(node) };
    }
    this.callCache.set(node.id, call);
    return call;
  }

  assignment(node: Node): PyAssignment | null {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left === null || right === null || (left.type !== 'identifier' && left.type !== 'attribute')) return null;
    return { target: compact(left.text), value: this.value(right) };
  }
}

function comparison(node: Node): PyComparison {
  return {
    operands: node.namedChildren.map((child) => compact(child.text)),
    operators: node.children.filter((child) => !child.isNamed).map((child) => child.text),
    span: spanOf(node),
  };
}

/** `inherited`: imports in force from elsewhere, as in a notebook cell run after the cells that import. */
export function readScript(root: Node, inherited?: Imports): PythonScript {
  const own = collectImports(root);
  const imports = inherited === undefined ? own : mergeImports(inherited, own);
  const builder = new ScriptBuilder(imports);
  const nodes = root.descendantsOfType(['call', 'dictionary', 'assignment', 'comparison_operator', 'string']);
  const of = (type: string): Node[] => nodes.filter((node) => node.type === type);
  return {
    imports,
    calls: of('call').flatMap((node) => builder.call(node) ?? []),
    dicts: of('dictionary').map((node) => builder.dict(node)),
    assignments: of('assignment').flatMap((node) => builder.assignment(node) ?? []),
    comparisons: of('comparison_operator').map(comparison),
    strings: of('string').flatMap((node) => stringValue(node) ?? []),
  };
}

/** A keyword argument by name, or the positional one at `position` when the callee takes it there. */
export function argument(call: PyCall, name: string, position?: number): PyArgument | undefined {
  const named = call.args.find((arg) => arg.name === name);
  if (named !== undefined || position === undefined) return named;
  const positional = call.args.filter((arg) => arg.name === null);
  return positional[position];
}

/** A `dict(key=value, …)` call, which code writes for a dictionary as often as `{…}`; undefined for anything else. */
export function dictCall(value: PyValue): PyCall | undefined {
  return value.kind === 'call' && value.call.callee === 'dict' && value.call.qualified === null ? value.call : undefined;
}

/**
 * The call last assigned to `target` above offset `at` (else the first below it, for a name bound at the end
 * of a script and used in a function above): a script with two training loops often reuses one name.
 */
export function assignedCall(script: PythonScript, target: string, at: number): PyCall | undefined {
  const named = script.assignments.filter((assignment) => assignment.target === target);
  const nearest = named.filter((assignment) => assignment.value.span.start < at).pop() ?? named.find((assignment) => assignment.value.span.start > at);
  return nearest?.value.kind === 'call' ? nearest.value.call : undefined;
}
