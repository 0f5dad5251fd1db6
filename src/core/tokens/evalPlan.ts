import type { TensorInfo } from './tensorInfo';

/** Settings that say how outputs were written when their metadata does not. */
export interface EvalOutputOptions {
  /** true: logits/predictions at position t are for the label at t + 1 (Hugging Face, TRL); false: aligned. */
  readonly causalShift?: boolean;
  readonly ignoreIndex?: number;
}

/**
 * Where a choice came from, so the panel can say it. `undecided`: nothing said how [batch, seq] outputs pair,
 * so both pairings are scored; `logged-loss` and `logged-accuracy` name what then decided it (pairingDecision.ts).
 */
export type ChoiceSource = 'metadata' | 'setting' | 'default' | 'layout' | 'undecided' | 'logged-loss' | 'logged-accuracy';

export type EvalForm = 'predictions' | 'logits' | 'compact';

export interface EvalPlan<T extends TensorInfo = TensorInfo> {
  readonly form: EvalForm;
  readonly labels: T;
  readonly predictions?: T;
  readonly logits?: T;
  readonly labelLogProbs?: T;
  readonly maxLogProbs?: T;
  /** The compact form's sequence of each token (int32 or int64), when it was written. */
  readonly sequenceIndex?: T;
  /** Positions per sequence (the whole flat array when it is 1-D) and the number of sequences. */
  readonly sequenceLength: number;
  readonly sequences: number;
  readonly vocab: number;
  readonly shift: boolean;
  readonly shiftSource: ChoiceSource;
  readonly ignoreIndex: number;
  readonly ignoreIndexSource: ChoiceSource;
}

const NAMES = {
  labels: ['labels', 'label_ids', 'targets', 'test_labels', 'eval_labels'],
  predictions: ['predictions', 'preds', 'pred_ids', 'argmax'],
  logits: ['logits'],
  labelLogProbs: ['label_logprobs', 'label_log_probs'],
  maxLogProbs: ['max_logprobs', 'max_log_probs'],
  sequenceIndex: ['sequence_index'],
} as const;

type Role = keyof typeof NAMES;

/** The role a tensor's name gives it: npz members end in `.npy`; a name may carry a prefix (`test_labels`). */
export function tensorRole(name: string): Role | undefined {
  const bare = name.replace(/\.npy$/, '').toLowerCase();
  for (const role of Object.keys(NAMES) as Role[]) if ((NAMES[role] as readonly string[]).includes(bare)) return role;
  if (/label_?log_?probs$/.test(bare)) return 'labelLogProbs';
  if (/max_?log_?probs$/.test(bare)) return 'maxLogProbs';
  if (/labels$/.test(bare)) return 'labels';
  if (/(predictions|preds)$/.test(bare)) return 'predictions';
  if (/logits$/.test(bare)) return 'logits';
  return undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const lower = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'shift'].includes(lower)) return true;
  if (['false', '0', 'no', 'aligned', 'applied'].includes(lower)) return false;
  return undefined;
}

/**
 * Decides what the tensors of one evaluation are and how to pair them. The shift is read from metadata
 * (`causal_shift`), else the setting, else Hugging Face's convention for [batch, seq] outputs; outputs that
 * are per-token log-probabilities of the label, or a flat list of tokens, are aligned by construction.
 */
export function planEvaluation<T extends TensorInfo>(
  tensors: readonly T[],
  metadata: Readonly<Record<string, string>>,
  options: EvalOutputOptions,
): { plan: EvalPlan<T> } | { error: string } {
  const found: Partial<Record<Role, T>> = {};
  for (const tensor of tensors) {
    const role = tensorRole(tensor.name);
    if (role !== undefined && found[role] === undefined) found[role] = tensor;
  }
  const { labels, predictions, logits, labelLogProbs, maxLogProbs, sequenceIndex } = found;
  if (labels === undefined) return { error: `No labels among the tensors (${tensors.map((t) => t.name).join(', ') || 'none'}); name them "labels".` };
  const form: EvalForm | undefined =
    labelLogProbs !== undefined && maxLogProbs !== undefined && predictions !== undefined
      ? 'compact'
      : logits !== undefined
        ? 'logits'
        : predictions !== undefined
          ? 'predictions'
          : undefined;
  if (form === undefined) return { error: 'Labels need predictions, logits, or predictions with label_logprobs and max_logprobs beside them.' };
  const shape = labels.shape;
  if (shape.length < 1 || shape.length > 2) return { error: `labels have shape [${shape.join(', ')}]; [batch, seq] or [tokens] is read.` };
  let vocab = 0;
  if (form === 'logits' && logits !== undefined) {
    if (!sameShape(logits.shape.slice(0, -1), shape))
      return { error: `logits [${logits.shape.join(', ')}] do not match labels [${shape.join(', ')}] (expected [${[...shape, 'vocab'].join(', ')}]).` };
    vocab = logits.shape[logits.shape.length - 1] ?? 0;
    if (logits.dtype.startsWith('I') || logits.dtype === 'U8' || logits.dtype === 'BOOL') return { error: `logits have integer dtype ${logits.dtype}.` };
  } else {
    for (const tensor of [predictions, labelLogProbs, maxLogProbs, sequenceIndex]) {
      if (tensor !== undefined && !sameShape(tensor.shape, shape))
        return { error: `${tensor.name} [${tensor.shape.join(', ')}] does not match labels [${shape.join(', ')}].` };
    }
  }
  const flat = shape.length === 1;
  const metadataShift = parseBoolean(metadata['causal_shift']);
  let shift: boolean;
  let shiftSource: ChoiceSource;
  if (metadataShift !== undefined) [shift, shiftSource] = [metadataShift, 'metadata'];
  else if (form === 'compact' || flat) [shift, shiftSource] = [false, 'layout'];
  else if (options.causalShift !== undefined) [shift, shiftSource] = [options.causalShift, 'setting'];
  // Hugging Face's convention is a guess here, not a fact: both pairings are scored and the logged loss decides.
  else [shift, shiftSource] = [true, 'undecided'];
  const metadataIgnore = metadata['ignore_index'] === undefined ? NaN : Number(metadata['ignore_index']);
  const [ignoreIndex, ignoreIndexSource]: [number, ChoiceSource] = Number.isInteger(metadataIgnore)
    ? [metadataIgnore, 'metadata']
    : options.ignoreIndex !== undefined
      ? [options.ignoreIndex, 'setting']
      : [-100, 'default'];
  const sequenceLength = flat ? (shape[0] as number) : (shape[1] as number);
  const sequences = flat ? 1 : (shape[0] as number);
  const plan: EvalPlan<T> = {
    form,
    labels,
    ...(predictions === undefined ? {} : { predictions }),
    ...(logits === undefined || form !== 'logits' ? {} : { logits }),
    ...(labelLogProbs === undefined || form !== 'compact' ? {} : { labelLogProbs }),
    ...(maxLogProbs === undefined || form !== 'compact' ? {} : { maxLogProbs }),
    ...(sequenceIndex === undefined || form !== 'compact' || !flat || sequenceIndex.dtype.startsWith('F') ? {} : { sequenceIndex }),
    sequenceLength,
    sequences,
    vocab,
    shift,
    shiftSource,
    ignoreIndex,
    ignoreIndexSource,
  };
  return { plan };
}

/** The plans to score: the one given, or, when its pairing is undecided, the shifted and the aligned one. */
export function candidatePlans<T extends TensorInfo>(plan: EvalPlan<T>): EvalPlan<T>[] {
  return plan.shiftSource === 'undecided'
    ? [
        { ...plan, shift: true },
        { ...plan, shift: false },
      ]
    : [plan];
}

/** The label that row `row` (batch-major position) is scored against, or undefined when it has none. */
export function labelIndexFor(plan: EvalPlan, row: number): number | undefined {
  if (!plan.shift) return row;
  return row % plan.sequenceLength === plan.sequenceLength - 1 ? undefined : row + 1;
}

/** How an evaluation's tokens were paired, for reports: the form read, the shift and the ignore index, and where each came from. */
export interface EvalPairing {
  readonly form: EvalForm;
  readonly causalShift: boolean;
  readonly causalShiftSource: ChoiceSource;
  readonly ignoreIndex: number;
  readonly ignoreIndexSource: ChoiceSource;
}

export function planPairing(plan: EvalPlan): EvalPairing {
  return {
    form: plan.form,
    causalShift: plan.shift,
    causalShiftSource: plan.shiftSource,
    ignoreIndex: plan.ignoreIndex,
    ignoreIndexSource: plan.ignoreIndexSource,
  };
}

export function describePairing(pairing: EvalPairing): string {
  const ignore = `ignore index ${pairing.ignoreIndex}, from ${pairing.ignoreIndexSource}`;
  if (pairing.causalShiftSource === 'undecided') return `${pairing.form}; pairing unverified (scored shifted and aligned, nothing settled which); ${ignore}`;
  const shift = pairing.causalShift ? 'shifted (position t predicts label t+1)' : 'aligned (no shift)';
  return `${pairing.form}; ${shift}, from ${pairing.causalShiftSource}; ${ignore}`;
}

export function describePlan(plan: EvalPlan): string {
  return describePairing(planPairing(plan));
}
