import type { Node } from 'web-tree-sitter';
import { collectImports, qualify, type Imports } from './imports';

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
  /** The branches of `if` statements it lies in, outermost first: `if-id:clause` (0 the body, then elif/else in order). */
  readonly branches: readonly string[];
}

/** `if isinstance(name, Class):`: within `span` (the body), `name` is a `Class`. */
export interface PyTypeGuard {
  readonly name: string;
  /** The class through the imports, or null when it was not imported. */
  readonly qualified: string | null;
  readonly span: Span;
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
  /** What each function defined at any depth returns, by its name: `compute_metrics` -> `{"accuracy": …}`. */
  readonly returns: ReadonlyMap<string, readonly PyValue[]>;
  readonly typeGuards: readonly PyTypeGuard[];
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
    const dict = {
      kind: 'dict' as const,
      entries,
      hasSplat: node.namedChildren.some((child) => child.type === 'dictionary_splat'),
      lastItemEnd: lastItemEnd(node),
      span: spanOf(node),
    };
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
      call = {
        callee,
        qualified: qualify(this.imports, callee),
        calleeSpan: spanOf(fn),
        args,
        hasSplat,
        argsSpan: spanOf(list),
        lastItemEnd: lastItemEnd(list),
        span: spanOf(node),
      };
    }
    this.callCache.set(node.id, call);
    return call;
  }

  /**
   * `functools.partial(Callback, monitor=…)` read as the call it prepares: the callee is its first argument
   * and the other arguments are that callee's (keywords added by a fix land in the same argument list).
   */
  partialTarget(call: PyCall): PyCall | undefined {
    if (call.qualified !== 'functools.partial') return undefined;
    const [first, ...rest] = call.args;
    if (first === undefined || first.name !== null || first.value.kind !== 'other' || !/^[\w.]+$/.test(first.value.text)) return undefined;
    const callee = compact(first.value.text);
    return { ...call, callee, qualified: qualify(this.imports, callee), calleeSpan: first.value.span, args: rest };
  }

  /** `a = …`, and `a, b = x, y` (or `(a, b) = (x, y)`) read as one assignment per name when both sides have as many items. */
  assignments(node: Node): PyAssignment[] {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left === null || right === null) return [];
    const branches = branchesOf(node);
    if (left.type === 'identifier' || left.type === 'attribute') return [{ target: compact(left.text), value: this.value(right), branches }];
    const targets = UNPACKED.has(left.type) ? left.namedChildren.filter((child) => child.type !== 'comment') : [];
    const values = UNPACKED.has(right.type) ? right.namedChildren.filter((child) => child.type !== 'comment') : [];
    if (targets.length === 0 || targets.length !== values.length) return [];
    return targets.flatMap((target, i) => {
      const value = values[i];
      return value !== undefined && (target.type === 'identifier' || target.type === 'attribute')
        ? [{ target: compact(target.text), value: this.value(value), branches }]
        : [];
    });
  }

  /** `if isinstance(name, Class):` and `if not isinstance(…)` is not read: only the body of a positive test is guarded. */
  typeGuard(node: Node): PyTypeGuard | null {
    const condition = node.childForFieldName('condition');
    const body = node.childForFieldName('consequence');
    if (condition?.type !== 'call' || body === null || compact(condition.childForFieldName('function')?.text ?? '') !== 'isinstance') return null;
    const [subject, type] = condition.childForFieldName('arguments')?.namedChildren.filter((child) => child.type !== 'comment') ?? [];
    if (subject === undefined || type === undefined || !/^[\w.]+$/.test(subject.text) || !/^[\w.]+$/.test(type.text)) return null;
    return { name: compact(subject.text), qualified: qualify(this.imports, compact(type.text)), span: spanOf(body) };
  }
}

const UNPACKED = new Set(['pattern_list', 'tuple_pattern', 'expression_list', 'tuple']);
/** Bounds the walk up from a node to the module (tree-sitter nests a few levels per Python block). */
const MAX_DEPTH = 400;

/** The `if` branches a node lies in: assignments in different branches of one `if` are alternatives, not a sequence. */
function branchesOf(node: Node): string[] {
  const branches: string[] = [];
  let child: Node = node;
  for (let parent = node.parent, depth = 0; parent !== null && depth < MAX_DEPTH; child = parent, parent = parent.parent, depth++) {
    if (parent.type !== 'if_statement') continue;
    const clauses = parent.namedChildren.filter((c) => c.type === 'block' || c.type === 'elif_clause' || c.type === 'else_clause');
    const index = clauses.findIndex((clause) => clause.id === child.id);
    if (index >= 0) branches.unshift(`${parent.id}:${index}`);
  }
  return branches;
}

/** The name of the function a return statement belongs to (the nearest enclosing one), or null at module level. */
function enclosingFunction(node: Node): string | null {
  for (let parent = node.parent, depth = 0; parent !== null && depth < MAX_DEPTH; parent = parent.parent, depth++) {
    if (parent.type === 'function_definition') return parent.childForFieldName('name')?.text ?? null;
    if (parent.type === 'lambda') return null;
  }
  return null;
}

function comparison(node: Node): PyComparison {
  return {
    operands: node.namedChildren.map((child) => compact(child.text)),
    operators: node.children.filter((child) => !child.isNamed).map((child) => child.text),
    span: spanOf(node),
  };
}

export function readScript(root: Node): PythonScript {
  const imports = collectImports(root);
  const builder = new ScriptBuilder(imports);
  const nodes = root.descendantsOfType(['call', 'dictionary', 'assignment', 'comparison_operator', 'string', 'return_statement', 'if_statement']);
  const of = (type: string): Node[] => nodes.filter((node) => node.type === type);
  const calls = of('call').flatMap((node) => builder.call(node) ?? []);
  const returns = new Map<string, PyValue[]>();
  for (const node of of('return_statement')) {
    const name = enclosingFunction(node);
    const value = node.namedChildren.find((child) => child.type !== 'comment');
    if (name !== null && value !== undefined) returns.set(name, [...(returns.get(name) ?? []), builder.value(value)]);
  }
  return {
    imports,
    calls: calls.flatMap((call) => {
      const target = builder.partialTarget(call);
      return target === undefined ? [call] : [call, target];
    }),
    dicts: of('dictionary').map((node) => builder.dict(node)),
    assignments: of('assignment').flatMap((node) => builder.assignments(node)),
    comparisons: of('comparison_operator').map(comparison),
    strings: of('string').flatMap((node) => stringValue(node) ?? []),
    returns,
    typeGuards: of('if_statement').flatMap((node) => builder.typeGuard(node) ?? []),
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
  return assignedCalls(script, target, at)[0];
}

/** Whether two assignments lie in different branches of one `if`: only one of them runs. */
function alternatives(a: PyAssignment, b: PyAssignment): boolean {
  return a.branches.some((branch) => {
    const [statement] = branch.split(':');
    return b.branches.some((other) => other.startsWith(`${statement as string}:`) && other !== branch);
  });
}

/**
 * Every call `target` may hold at offset `at`: the one last assigned above it (as `assignedCall`), and those
 * assigned in the other branches of an `if` that assigned it (`if plateau: s = ReduceLROnPlateau(…) else: s = StepLR(…)`).
 */
export function assignedCalls(script: PythonScript, target: string, at: number): PyCall[] {
  const named = script.assignments.filter((assignment) => assignment.target === target);
  const above = named.filter((assignment) => assignment.value.span.start < at);
  const nearest = above.at(-1) ?? named.find((assignment) => assignment.value.span.start > at);
  if (nearest === undefined) return [];
  const candidates = [nearest, ...above.filter((assignment) => assignment !== nearest && alternatives(assignment, nearest))];
  return candidates.flatMap((assignment) => (assignment.value.kind === 'call' ? [assignment.value.call] : []));
}
