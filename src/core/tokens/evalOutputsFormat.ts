import type { HostReadFormat, LogFile } from '../formats/logFormat';
import { baseName, parentOf, pathSegments } from '../paths';
import type { MetricPoint } from '../types';
import { tensorRole } from './evalPlan';
import { isMetadataSidecar } from './metadataSidecar';
import type { TokenSummary } from './tokenStatistics';

export const EVAL_OUTPUTS_FOLDER = 'eval_outputs';
const CHECKPOINT = /^checkpoint-(\d+)$/;
const STEP_IN_NAME = /(?:^|[^a-z])(?:step|global_step|checkpoint|ckpt|iter)[-_]?(\d+)/i;

/** Where the last evaluation-output folder sits on a path; -1 when there is none. */
function evalFolderIndex(parts: readonly string[], folders: readonly string[]): number {
  return Math.max(-1, ...folders.map((folder) => parts.lastIndexOf(folder)));
}

/**
 * Evaluation outputs: one safetensors or npz file per evaluation, or a folder of .npy arrays (the labels file
 * stands for the evaluation; its siblings are read with it), or a JSON file of per-sample results, inside a
 * folder named one of `folders`. The
 * run is the folder holding that folder, or the output_dir above a `checkpoint-N/` that holds it.
 */
export function evalOutputsFormat(folders: readonly string[]): HostReadFormat {
  return {
    id: 'eval-outputs',
    label: 'evaluation outputs (per-token)',
    kind: 'host',
    tensorFolders: folders,
    classify(path: string): LogFile | undefined {
      const parts = pathSegments(path);
      const folder = evalFolderIndex(parts, folders);
      if (folder < 0 || folder === parts.length - 1) return undefined;
      const name = baseName(path).toLowerCase();
      if (isMetadataSidecar(name)) return undefined;
      const isTensorFile = name.endsWith('.safetensors') || name.endsWith('.npz') || (name.endsWith('.npy') && tensorRole(name) === 'labels');
      // JSON beside them may hold per-sample results of a generation evaluation (`sampleResults.ts`).
      if (!isTensorFile && !name.endsWith('.json')) return undefined;
      const runDepth = CHECKPOINT.test(parts[folder - 1] ?? '') ? folder - 1 : folder;
      let runDirectory = path;
      for (let level = parts.length; level > runDepth; level--) runDirectory = parentOf(runDirectory);
      return { format: 'eval-outputs', runDirectory };
    },
  };
}

export const EVAL_OUTPUTS_FORMAT = evalOutputsFormat([EVAL_OUTPUTS_FOLDER]);

/**
 * The training step of an evaluation file: from its name (`step-1200`), a folder on its path up to the one
 * just above its evaluation-output folder (`checkpoint-500/`), or metadata.
 */
export function evaluationStep(
  path: string,
  metadata: Readonly<Record<string, string>> = {},
  folders: readonly string[] = [EVAL_OUTPUTS_FOLDER],
): number | undefined {
  const parts = pathSegments(path);
  const folder = evalFolderIndex(parts, folders);
  const name = (parts[parts.length - 1] ?? '').replace(/\.(safetensors|npz|npy)$/i, '');
  const fromName = STEP_IN_NAME.exec(name);
  if (fromName?.[1] !== undefined) return Number(fromName[1]);
  for (let i = parts.length - 2; i >= Math.max(0, folder - 1); i--) {
    const match = STEP_IN_NAME.exec(parts[i] ?? '') ?? CHECKPOINT.exec(parts[i] ?? '');
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  for (const key of ['step', 'global_step']) {
    const value = Number(metadata[key]);
    if (metadata[key] !== undefined && Number.isInteger(value)) return value;
  }
  return undefined;
}

/** Keys of the computed series, apart from anything a run logs itself. */
export const COMPUTED_KEYS = {
  accuracy: 'eval_token_accuracy_computed',
  tokens: 'eval_token_count_computed',
  meanNll: 'eval_nll_computed',
  medianNll: 'eval_nll_median_computed',
  nllCorrect: 'eval_nll_correct_tokens_computed',
  nllWrong: 'eval_nll_wrong_tokens_computed',
  confidence: 'eval_confidence_computed',
  ece: 'eval_ece_computed',
  eceEqualMass: 'eval_ece_equal_mass_computed',
  brier: 'eval_brier_top_label_computed',
  maxCalibrationError: 'eval_mce_computed',
  fullBrier: 'eval_brier_computed',
  labelRank: 'eval_label_rank_mean_computed',
  worstShare: 'eval_nll_worst_1pct_share_computed',
  entropy: 'eval_entropy_computed',
  top5: 'eval_top5_accuracy_computed',
  temperature: 'eval_temperature_computed',
  scaledNll: 'eval_nll_temperature_scaled_computed',
} as const;

/** The series an evaluation adds to its run, at its step. */
export function evaluationPoints(summary: TokenSummary, step: number): MetricPoint[] {
  const values: [string, number][] = [
    [COMPUTED_KEYS.accuracy, summary.accuracy],
    [COMPUTED_KEYS.tokens, summary.tokens],
  ];
  const p = summary.probabilities;
  if (p !== undefined) {
    values.push(
      [COMPUTED_KEYS.meanNll, p.meanNll],
      [COMPUTED_KEYS.medianNll, p.medianNll],
      [COMPUTED_KEYS.nllCorrect, p.nllCorrect],
      [COMPUTED_KEYS.nllWrong, p.nllWrong],
      [COMPUTED_KEYS.confidence, p.meanConfidence],
      [COMPUTED_KEYS.ece, p.ece],
      [COMPUTED_KEYS.eceEqualMass, p.eceEqualMass],
      [COMPUTED_KEYS.brier, p.brierTopLabel],
      [COMPUTED_KEYS.maxCalibrationError, p.maxCalibrationError],
      [COMPUTED_KEYS.worstShare, p.worstPercentNllShare],
    );
  }
  const l = summary.logits;
  if (l !== undefined) {
    values.push(
      [COMPUTED_KEYS.entropy, l.meanEntropy],
      [COMPUTED_KEYS.top5, l.top5Accuracy],
      [COMPUTED_KEYS.fullBrier, l.brier],
      [COMPUTED_KEYS.labelRank, l.meanLabelRank],
    );
    if (l.temperature !== undefined) values.push([COMPUTED_KEYS.temperature, l.temperature.temperature], [COMPUTED_KEYS.scaledNll, l.temperature.nll]);
  }
  return values.filter(([, value]) => !Number.isNaN(value)).map(([key, value]) => ({ key, step, value }));
}
