/**
 * Metric lines that training scripts print, one recogniser each. A recogniser reads one line (already
 * split at `\n` and at tqdm's `\r`) and says what it holds; the console reader keeps the step between lines.
 */

export interface LineValues {
  /** The step the line gives; undefined when it gives none (HF's printed dicts, nanoGPT's `validation loss`). */
  readonly step?: number;
  readonly values: ReadonlyArray<readonly [string, number]>;
  readonly epoch?: number;
  /** An HF train log (it has `loss`): the next of HF's numbered log lines. */
  readonly countsAsLog?: boolean;
}

/** A user's pattern: a regular expression with a named group `step` and one named group per metric. */
export interface UserLinePattern {
  readonly regex: RegExp;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Python's str(float) and the console's spellings: `nan`, `inf`, `-inf`, plain numbers; anything else is not a number. */
export function parseNumber(text: string): number | undefined {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Most values are plain decimals: Number() alone decides them (a leading 0 could be 0x…, left to the expression).
  if (first >= 0x31 && first <= 0x39 && last >= 0x30 && last <= 0x39) {
    const value = Number(text);
    if (!Number.isNaN(value)) return value;
  }
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  const lower = trimmed.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return undefined;
}

/** `0:21:13.92` (HF's runtimes in `log_metrics`) as seconds. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(text.trim());
  return match === null ? undefined : Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;

/** The index just past the string literal opening at `start` (Python's repr escapes with a backslash), or -1. */
function stringEnd(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === quote) return i + 1;
  }
  return -1;
}

/** The index of the `,` or `}` that ends a value starting at `start`, stepping over nested lists, dicts and strings; -1 if none. */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === DOUBLE_QUOTE) {
      i = stringEnd(text, i) - 1;
      if (i < 0) return -1;
    } else if (c === 0x5b || c === 0x7b || c === 0x28) depth++;
    else if ((c === 0x5d || c === 0x7d || c === 0x29) && depth > 0) depth--;
    else if (depth === 0 && (c === 0x2c || c === 0x7d)) return i;
  }
  return -1;
}

/**
 * HF's `Trainer.log` output: `{'loss': 2.0905, 'epoch': 0.44}` (4.x) or `{'loss': '2.0905', …}` (5.x
 * quotes the values). It prints no step; the reader numbers the train logs. Lists and nested dicts are
 * skipped. Scanned by hand rather than by expressions: a console has many of these lines.
 */
export function hfDictLine(line: string): LineValues | undefined {
  let i = 0;
  while (line.charCodeAt(i) === 0x20) i++;
  if (line.charCodeAt(i) !== 0x7b || line.charCodeAt(i + 1) !== QUOTE) return undefined;
  let end = line.length;
  while (end > i && line.charCodeAt(end - 1) <= 0x20) end--;
  if (line.charCodeAt(end - 1) !== 0x7d) return undefined;
  const values: [string, number][] = [];
  let epoch: number | undefined;
  let step: number | undefined;
  i++;
  while (i < end) {
    while (line.charCodeAt(i) === 0x20) i++;
    const c = line.charCodeAt(i);
    if (c !== QUOTE && c !== DOUBLE_QUOTE) return undefined;
    const keyEnd = stringEnd(line, i);
    if (keyEnd < 0 || line.charCodeAt(keyEnd) !== 0x3a) return undefined;
    const key = line.slice(i + 1, keyEnd - 1);
    i = keyEnd + 1;
    while (line.charCodeAt(i) === 0x20) i++;
    const stop = valueEnd(line, i);
    if (stop < 0) return undefined;
    let raw = line.slice(i, stop).trimEnd();
    const first = raw.charCodeAt(0);
    if (first === QUOTE || first === DOUBLE_QUOTE) raw = raw.slice(1, -1);
    const value = parseNumber(raw);
    if (value !== undefined) {
      if (key === 'epoch') epoch = value;
      else if (key === 'step') step = value;
      else values.push([key, value]);
    }
    i = stop + 1;
  }
  if (values.length === 0) return undefined;
  const dict: { values: [string, number][]; countsAsLog: boolean; epoch?: number; step?: number } = {
    values,
    countsAsLog: values.some(([key]) => key === 'loss'),
  };
  if (epoch !== undefined) dict.epoch = epoch;
  if (step !== undefined) dict.step = step;
  return dict;
}

const METRICS_BLOCK = /^\s*\*{5} (\w+) metrics \*{5}\s*$/;
const BLOCK_ENTRY = /^\s+(\S+)\s+=\s+(\S+)\s*$/;

/** The header of HF's `log_metrics` block (`***** eval metrics *****`). */
export function isMetricsBlockHeader(line: string): boolean {
  return METRICS_BLOCK.test(line);
}

/** transformers' `log_metrics` prints total_flos as `f"{int(v) >> 30}GF"`: the count of GiB of FLOs, rounded down. */
function parseGigaflos(text: string): number | undefined {
  const match = /^(\d+)GF$/.exec(text);
  return match === null ? undefined : Number(match[1]) * 2 ** 30;
}

/** One `  eval_loss               =     1.7931` line of that block; runtimes are turned into seconds. */
export function metricsBlockEntry(line: string): readonly [string, number] | undefined {
  const match = BLOCK_ENTRY.exec(line);
  if (match === null) return undefined;
  const text = match[2] as string;
  const value = parseNumber(text) ?? parseDuration(text) ?? parseGigaflos(text);
  return value === undefined ? undefined : [match[1] as string, value];
}

const NANOGPT_EVAL = /^step (\d+): train loss (\S+), val loss (\S+)\s*$/;
const NANOGPT_ITER = /^iter (\d+): loss (\S+), time (\S+)ms, mfu (\S+)%\s*$/;
const BUILD_NANOGPT_LOG = /^(\d+) (train|val|hella) (\S+)\s*$/;
const BUILD_NANOGPT_STDOUT = /^step\s+(\d+) \| loss: (\S+) \| lr (\S+) \| norm: (\S+) \| dt: (\S+)ms \| tok\/sec: (\S+)\s*$/;
const BUILD_NANOGPT_VAL = /^validation loss: (\S+)\s*$/;
const BUILD_NANOGPT_HELLA = /^HellaSwag accuracy: \d+\/\d+=(\S+)\s*$/;
const MODDED_NANOGPT = /^step:(\d+)\/\d+ (.*)$/;
const LLMC = /^s:(\d+) (tel|trl):(\S+)\s*$/;
const TORCHTUNE = /^Step (\d+) \| (.*)$/;
const KEY_VALUE = /([A-Za-z_][\w./-]*):(\S+)/g;

/** build-nanogpt's log.txt says `train`, `val`, `hella`; llm.c says `trl`, `tel`: named for what they measure. */
const SHORT_NAMES: Readonly<Record<string, string>> = { train: 'train_loss', val: 'val_loss', hella: 'hellaswag_accuracy', trl: 'train_loss', tel: 'val_loss' };

function numbers(step: number | undefined, pairs: ReadonlyArray<readonly [string, string]>): LineValues {
  const values: [string, number][] = [];
  for (const [key, raw] of pairs) {
    const value = parseNumber(raw);
    if (value !== undefined) values.push([key, value]);
  }
  return step === undefined ? { values } : { step, values };
}

/** `key:value` pairs with units (`278ms`, `12%`) dropped from the value. */
function keyValues(text: string): Array<[string, string]> {
  return [...text.matchAll(KEY_VALUE)].map((match) => [match[1] as string, (match[2] as string).replace(/(ms|s|%)$/, '')]);
}

/**
 * The line formats of the nanoGPT family and torchtune; each carries its own step. Lines are told apart by
 * their first character before any expression runs: most lines of a console are none of these.
 */
export function scriptLine(line: string): LineValues | undefined {
  let m: RegExpExecArray | null;
  switch (line.charCodeAt(0)) {
    case 0x73: // s
      if ((m = MODDED_NANOGPT.exec(line)) !== null) return numbers(Number(m[1]), keyValues(m[2] as string));
      if ((m = LLMC.exec(line)) !== null) return numbers(Number(m[1]), [[SHORT_NAMES[m[2] as string] as string, m[3] as string]]);
      if ((m = NANOGPT_EVAL.exec(line)) !== null)
        return numbers(Number(m[1]), [
          ['train_loss', m[2] as string],
          ['val_loss', m[3] as string],
        ]);
      if ((m = BUILD_NANOGPT_STDOUT.exec(line)) !== null) {
        return numbers(Number(m[1]), [
          ['loss', m[2] as string],
          ['lr', m[3] as string],
          ['norm', m[4] as string],
          ['dt_ms', m[5] as string],
          ['tok_per_sec', m[6] as string],
        ]);
      }
      return undefined;
    case 0x53: // S
      return (m = TORCHTUNE.exec(line)) === null ? undefined : numbers(Number(m[1]), keyValues(m[2] as string));
    case 0x69: // i
      if ((m = NANOGPT_ITER.exec(line)) === null) return undefined;
      // nanoGPT prints mfu -100.00% until it has timed enough iterations: not a measurement.
      return numbers(Number(m[1]), [['loss', m[2] as string], ['time_ms', m[3] as string], ...(m[4] === '-100.00' ? [] : [['mfu', m[4] as string] as const])]);
    case 0x76: // v
      return (m = BUILD_NANOGPT_VAL.exec(line)) === null ? undefined : numbers(undefined, [['val_loss', m[1] as string]]);
    case 0x48: // H
      return (m = BUILD_NANOGPT_HELLA.exec(line)) === null ? undefined : numbers(undefined, [['hellaswag_accuracy', m[1] as string]]);
    default:
      if ((m = BUILD_NANOGPT_LOG.exec(line)) !== null) return numbers(Number(m[1]), [[SHORT_NAMES[m[2] as string] as string, m[3] as string]]);
      return undefined;
  }
}

/** A line matched by a user's pattern: its `step` group and every other named group that holds a number. */
export function userPatternLine(line: string, patterns: readonly UserLinePattern[]): LineValues | undefined {
  for (const { regex } of patterns) {
    const groups = regex.exec(line)?.groups;
    if (groups === undefined) continue;
    const step = parseNumber(groups['step'] ?? '');
    if (step === undefined) continue;
    const values: [string, number][] = [];
    for (const [key, raw] of Object.entries(groups)) {
      const value = key === 'step' || raw === undefined ? undefined : parseNumber(raw);
      if (value !== undefined) values.push([key, value]);
    }
    if (values.length > 0) return { step, values };
  }
  return undefined;
}

/** Lines that say a file is a training console even before any metric is printed. */
const TRAINING_MARKERS = [/\*{5} Running training \*{5}/, /^\[(INFO|WARNING)\|/, /\d+\/\d+ \[\d+:\d+</, /^\s*\*{5} \w+ metrics \*{5}/];

export function isTrainingMarker(line: string): boolean {
  return TRAINING_MARKERS.some((marker) => marker.test(line));
}

/**
 * Compiles the user's patterns (a setting), keeping those that are valid and have a `step` group; the
 * others come back as messages.
 */
export function compileUserPatterns(sources: readonly string[]): { patterns: UserLinePattern[]; errors: string[] } {
  const patterns: UserLinePattern[] = [];
  const errors: string[] = [];
  for (const source of sources) {
    try {
      const regex = new RegExp(source);
      if (!source.includes('(?<step>')) errors.push(`The console pattern ${source} has no named group \`step\`; it is not used.`);
      else patterns.push({ regex });
    } catch (error) {
      errors.push(`The console pattern ${source} is not a valid regular expression (${(error as Error).message}).`);
    }
  }
  return { patterns, errors };
}
