import type { Confidence } from './analysis/warning';
import type { EvalOutputOptions } from './tokens/evalPlan';
import type { TokensRequest } from './tokens/tokenShiftView';

/** What `report` was asked for: the paths, JSON or text, and how evaluation outputs pair when their metadata does not say. */
export interface ReportArgs {
  readonly paths: readonly string[];
  readonly json: boolean;
  /** `--pretty`: the JSON indented for people (compact by default: a report of millions of points is half the size). */
  readonly pretty?: boolean;
  readonly evalOutputs: EvalOutputOptions;
  /** `--fail-on`: the least confidence of a standing warning that makes `report` exit 3 (absent: warnings never change the exit code). */
  readonly failOn?: Confidence;
  /** `--tokens N`, `--tokens-steps A,B`, `--overconfidence P`: the per-token analysis between two evaluations, when asked otherwise than by default. */
  readonly tokens?: TokensRequest;
}

const CONFIDENCES: readonly Confidence[] = ['low', 'medium', 'high'];

const SHIFT: Readonly<Record<string, boolean | undefined>> = { yes: true, true: true, shift: true, no: false, false: false, aligned: false, auto: undefined };

/**
 * `report <path>... [--json [--pretty]] [--fail-on low|medium|high] [--causal-shift yes|no|auto] [--ignore-index N]`, each flag as `--flag value` or
 * `--flag=value`. `auto` (the default) leaves an evaluation without metadata to be decided by the run's
 * logged loss. An unknown flag or a bad value is an error that says what is accepted.
 */
export function parseReportArgs(args: readonly string[]): ReportArgs | { readonly error: string } {
  const paths: string[] = [];
  let json = false;
  let pretty = false;
  let causalShift: boolean | undefined;
  let ignoreIndex: number | undefined;
  let failOn: Confidence | undefined;
  let tokens: { listed?: number; steps?: { from: number; to: number }; overconfidence?: number } | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      paths.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--json' && inline === undefined) {
      json = true;
      continue;
    }
    if (flag === '--pretty' && inline === undefined) {
      pretty = true;
      continue;
    }
    if (!FLAGS.includes(flag)) return { error: `Unknown option ${flag}.` };
    const value = inline ?? args[++i];
    if (value === undefined) return { error: `${flag} needs a value.` };
    if (flag.startsWith('--tokens') || flag === '--overconfidence') {
      const parsed = tokensFlag(flag, value);
      if ('error' in parsed) return parsed;
      tokens = { ...tokens, ...parsed };
    } else if (flag === '--fail-on') {
      const confidence = CONFIDENCES.find((known) => known === value.toLowerCase());
      if (confidence === undefined) return { error: `--fail-on takes low, medium or high, not ${JSON.stringify(value)}.` };
      failOn = confidence;
    } else if (flag === '--causal-shift') {
      if (!(value.toLowerCase() in SHIFT)) return { error: `--causal-shift takes yes, no or auto, not ${JSON.stringify(value)}.` };
      causalShift = SHIFT[value.toLowerCase()];
    } else {
      if (!/^-?\d+$/.test(value)) return { error: `--ignore-index takes an integer, not ${JSON.stringify(value)}.` };
      ignoreIndex = Number(value);
    }
  }
  return {
    paths,
    json,
    ...(pretty ? { pretty } : {}),
    evalOutputs: { ...(causalShift === undefined ? {} : { causalShift }), ...(ignoreIndex === undefined ? {} : { ignoreIndex }) },
    ...(failOn === undefined ? {} : { failOn }),
    ...(tokens === undefined ? {} : { tokens }),
  };
}

const FLAGS = ['--causal-shift', '--ignore-index', '--fail-on', '--tokens', '--tokens-steps', '--overconfidence'];

/** One of the per-token analysis's flags, checked. */
function tokensFlag(flag: string, value: string): TokensRequest | { readonly error: string } {
  if (flag === '--tokens')
    return /^\d+$/.test(value) ? { listed: Number(value) } : { error: `--tokens takes a count of tokens to list, not ${JSON.stringify(value)}.` };
  if (flag === '--overconfidence') {
    const threshold = Number(value);
    return /^\s*$/.test(value) || !(threshold >= 0 && threshold < 1)
      ? { error: `--overconfidence takes a confidence in [0, 1), not ${JSON.stringify(value)}.` }
      : { overconfidence: threshold };
  }
  const match = /^(\d+),(\d+)$/.exec(value);
  return match === null
    ? { error: `--tokens-steps takes two evaluation steps, FROM,TO, not ${JSON.stringify(value)}.` }
    : { steps: { from: Number(match[1]), to: Number(match[2]) } };
}

/** Whether a warning of `confidence` is at least `threshold` (low < medium < high). */
export function meetsConfidence(confidence: string, threshold: Confidence): boolean {
  const rank = (CONFIDENCES as readonly string[]).indexOf(confidence);
  return rank >= 0 && rank >= CONFIDENCES.indexOf(threshold);
}
