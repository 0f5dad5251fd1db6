import type { MetricPoint } from '../types';
import { hfDictLine, isMetricsBlockHeader, metricsBlockEntry, parseNumber } from './consoleLines';

/** A training found in a cell's printed text: Keras `fit` logs, or the dicts and `log_metrics` blocks the HF Trainer prints. */
export interface StreamTraining {
  readonly x: 'epoch';
  readonly xReason: string;
  readonly source: 'hf-dicts' | 'keras';
  readonly points: MetricPoint[];
}

const DICT_REASON = 'the printed metric dicts carry no step, only the epoch';
const KERAS_REASON = 'Keras prints the epoch (`Epoch 3/10`), no step';

/** Past this many lines a pretty-printed dict is not joined: the text is read line by line instead. */
const MAX_DICT_LINES = 200;

const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * A line as it shows on screen: colours dropped, each backspace takes back the character before it (Keras 2 redraws its bar
 * so), and after a carriage return the line starts again (tqdm's and Keras 3's redraws): the last redraw that
 * wrote anything is what was left.
 */
export function visibleLine(raw: string): string {
  // Keras 3 colours its bar with ANSI escapes; they take no place on screen.
  let line = raw.includes('\x1b') ? raw.replace(ANSI_ESCAPE, '') : raw;
  if (line.includes('\b')) {
    const kept: string[] = [];
    for (const char of line) {
      if (char === '\b') kept.pop();
      else kept.push(char);
    }
    line = kept.join('');
  }
  if (line.includes('\r')) {
    const pieces = line.split('\r').filter((piece) => piece.trim() !== '');
    line = pieces[pieces.length - 1] ?? '';
  }
  return line;
}

/** numpy ≥ 2 prints scalars in a dict's repr as `np.float64(1.65)`: the number inside is the value. */
function unwrapNumpy(line: string): string {
  return line.includes('np.') || line.includes('numpy.') ? line.replace(/\b(?:np|numpy)\.(?:float|int|uint)\d*\(([^()]*)\)/g, '$1') : line;
}

const KERAS_EPOCH = /^Epoch (\d+)\/(\d+)\s*$/;
/** `- loss: 0.4100`, `- val_accuracy: 0.8100` (Keras 2 and 3 alike); `- ETA: 0s` and `- 1s 20ms/step` are not metrics. */
const KERAS_VALUE = / - ([A-Za-z_][\w]*): (\S+)/g;
/** A Keras progress line: `32/32 [====…]`, `32/32 ━━━━…` (escaped: the CLI bundle is kept ASCII), or verbose=2's `32/32 - 1s - loss: …`. */
const KERAS_PROGRESS = /^\s*\d+\/\d+ (\[|\u2501|\u2500|-)/;

/** A printed dict is the Trainer's when it places itself (`epoch`) or has the Trainer's keys; a printed config is not. */
function isTrainerDict(keys: readonly string[], hasEpoch: boolean): boolean {
  return hasEpoch || keys.some((key) => key === 'loss' || /^(eval|test|train)_/.test(key));
}

interface OpenTraining {
  readonly source: 'hf-dicts' | 'keras';
  readonly points: MetricPoint[];
  lastEpoch: number;
  /** The epochs of the train losses so far: a second loss at the same epoch replaces the first in the run. */
  readonly seen: Set<number>;
  replaced: number;
}

function push(training: OpenTraining, values: ReadonlyArray<readonly [string, number]>, epoch: number, skip: readonly string[] = []): void {
  for (const [key, value] of values) {
    if (skip.includes(key)) continue;
    // Only the train loss is counted: an evaluation printed twice at the end (load_best_model_at_end) loses nothing.
    if (key === 'loss') {
      if (training.seen.has(epoch)) training.replaced++;
      else training.seen.add(epoch);
    }
    training.points.push({ key, step: epoch, value, epoch });
  }
}

class Trainings {
  readonly done: StreamTraining[] = [];
  readonly problems: string[] = [];
  private current: OpenTraining | undefined;

  /** The training that a value at `epoch` from `source` belongs to: a new one when the epoch went back or the writer changed. */
  at(source: 'hf-dicts' | 'keras', epoch: number | undefined): { training: OpenTraining; epoch: number } {
    let current = this.current;
    if (current === undefined || current.source !== source || (epoch !== undefined && epoch < current.lastEpoch)) {
      this.finish();
      current = { source, points: [], lastEpoch: epoch ?? 0, seen: new Set(), replaced: 0 };
      this.current = current;
    }
    if (epoch !== undefined) current.lastEpoch = epoch;
    return { training: current, epoch: current.lastEpoch };
  }

  finish(): void {
    const current = this.current;
    this.current = undefined;
    if (current === undefined || current.points.length === 0) return;
    const number = this.done.length + 1;
    this.done.push({ x: 'epoch', xReason: current.source === 'keras' ? KERAS_REASON : DICT_REASON, source: current.source, points: current.points });
    if (current.replaced > 0)
      this.problems.push(
        `${current.replaced} printed train loss${current.replaced === 1 ? ' was' : 'es were'} at an epoch that already had one in printed training ${number} (the Trainer prints the epoch rounded to 2 decimals and no step): the last of each is kept.`,
      );
  }
}

/** Joins an IPython pretty-printed dict (`{'eval_loss': 1.65,\n 'epoch': 0.26}`) back into one line; returns the lines used. */
function joinedDict(lines: readonly string[], start: number): { line: string; used: number } {
  const first = lines[start] ?? '';
  if (!first.startsWith("{'") || first.trimEnd().endsWith('}')) return { line: first, used: 1 };
  let line = first;
  for (let i = start + 1; i < lines.length && i - start < MAX_DICT_LINES; i++) {
    const next = lines[i] ?? '';
    if (!next.startsWith(" '")) break;
    line += next;
    if (next.trimEnd().endsWith('}')) return { line, used: i - start + 1 };
  }
  return { line: first, used: 1 };
}

/** The trainings in a cell's printed text (its stream outputs joined, and returned values' plain text), in order; only lines that ended are read. */
export function streamTrainings(text: string): { trainings: StreamTraining[]; problems: string[] } {
  const trainings = new Trainings();
  // A line still being printed (a live cell; Keras's bar mid-epoch) is read once it ends: cut, `1.65` reads as `1.6`.
  const ended = text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = ended.split('\n').map(visibleLine);
  let keras: { epoch: number; values: Map<string, number> } | undefined;
  let inBlock = false;
  let blockValues: [string, number][] = [];
  let lastDictKeys: readonly string[] = [];
  /** The epoch's last values, once its end shows: the next epoch begins, or other output follows the fit. */
  const endKerasEpoch = (): void => {
    if (keras !== undefined && keras.values.size > 0) push(trainings.at('keras', keras.epoch).training, [...keras.values], keras.epoch);
    keras = undefined;
  };
  const flushBlock = (): void => {
    if (blockValues.length === 0) return;
    const epochEntry = blockValues.find(([key]) => key === 'epoch');
    const values = blockValues.filter(([key]) => key !== 'epoch');
    const target = trainings.at('hf-dicts', epochEntry?.[1]);
    // The block repeats the dict printed just before it, rounded: the dict's full precision was kept.
    push(target.training, values, target.epoch, lastDictKeys);
    blockValues = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (inBlock) {
      const entry = metricsBlockEntry(line);
      if (entry !== undefined) {
        blockValues.push([entry[0], entry[1]]);
        continue;
      }
      inBlock = false;
      flushBlock();
    }
    if (isMetricsBlockHeader(line)) {
      endKerasEpoch();
      inBlock = true;
      continue;
    }
    const epochMatch = KERAS_EPOCH.exec(line);
    if (epochMatch !== null) {
      endKerasEpoch();
      keras = { epoch: Number(epochMatch[1]), values: new Map() };
      continue;
    }
    if (keras !== undefined && KERAS_PROGRESS.test(line)) {
      for (const match of line.matchAll(KERAS_VALUE)) {
        const value = parseNumber(match[2] ?? '');
        if (value !== undefined) keras.values.set(match[1] ?? '', value);
      }
      continue;
    }
    const { line: dictLine, used } = joinedDict(lines, i);
    const dict = dictLine.includes("{'") ? hfDictLine(unwrapNumpy(dictLine)) : undefined;
    if (dict === undefined) continue;
    i += used - 1;
    const keys = dict.values.map(([key]) => key);
    if (!isTrainerDict(keys, dict.epoch !== undefined)) continue;
    endKerasEpoch();
    const target = trainings.at('hf-dicts', dict.epoch);
    push(target.training, dict.values, target.epoch);
    lastDictKeys = keys;
  }
  flushBlock();
  endKerasEpoch();
  trainings.finish();
  return { trainings: trainings.done, problems: trainings.problems };
}
