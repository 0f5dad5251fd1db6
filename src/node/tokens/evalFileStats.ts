import { decodeFloats, decodeIntegers } from '../../core/tokens/decodeElements';
import { EvalComputation } from '../../core/tokens/evalComputation';
import { evaluationStep } from '../../core/tokens/evalOutputsFormat';
import { describePlan, planEvaluation, planPairing, type EvalOutputOptions, type EvalPairing } from '../../core/tokens/evalPlan';
import type { TokenSummary } from '../../core/tokens/tokenStatistics';
import { createWasmRowScorer } from './kernel/wasmRowScorer';
import { readTensorBytes, tensorRowChunks } from './tensorData';
import { locateEvalTensors } from './tensorFiles';

/** What one evaluation file yields, in a form that crosses a worker boundary and a JSON cache. */
export interface EvalFileResult {
  readonly step: number;
  /** How tokens were paired: the form, the shift and the ignore index, and where each choice came from. */
  readonly alignment: string;
  /** The same choices, as fields for the CLI's JSON. */
  readonly pairing: EvalPairing;
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
  readonly problems: readonly string[];
}

export interface EvalComputeOptions extends EvalOutputOptions {
  /** Bytes of logits decoded at a time: the memory a file needs, whatever its size. */
  readonly chunkBytes?: number;
  readonly temperature?: boolean;
  /** false: score every row with the scalar loop instead of the SIMD kernel (for comparisons). */
  readonly kernel?: boolean;
  /** Names of the folders that hold evaluations (`eval_outputs` unless given): a step is looked for in folders below them. */
  readonly evalOutputFolders?: readonly string[];
}

const DEFAULT_CHUNK_BYTES = 8 << 20;

/** Reads and scores one evaluation, streaming its logits; `onProgress` gets the fraction of logits done. */
export async function computeEvalFile(path: string, options: EvalComputeOptions, onProgress?: (fraction: number) => void): Promise<EvalFileResult | { error: string }> {
  const files = await locateEvalTensors(path);
  if ('error' in files) return files;
  const planned = planEvaluation(files.tensors, files.metadata, options);
  if ('error' in planned) return planned;
  const { plan } = planned;
  const step = evaluationStep(path, files.metadata, options.evalOutputFolders);
  if (step === undefined) return { error: 'No step for this evaluation: name it step-<N> (or put it in checkpoint-<N>/, or give "step" in its metadata).' };
  const labels = decodeIntegers(await readTensorBytes(plan.labels), plan.labels.dtype);
  const batch = options.kernel === false ? undefined : createWasmRowScorer();
  const computation = new EvalComputation(plan, labels, { temperature: options.temperature ?? true, ...(batch === undefined ? {} : { batch }) });
  if (plan.form === 'logits' && plan.logits !== undefined) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const ownBuffer = plan.logits.dtype === 'F32' ? undefined : new Float32Array(Math.max(plan.vocab, Math.floor(chunkBytes / 2)));
    const totalRows = plan.sequences * plan.sequenceLength;
    const rowBytes = plan.logits.byteLength / totalRows;
    const logits = plan.logits;
    const stream = async (add: (rows: Float32Array, firstRow: number) => void, progress?: (fraction: number) => void): Promise<void> => {
      for await (const { bytes, firstRow } of tensorRowChunks(logits, plan.vocab, chunkBytes)) {
        // The kernel takes the bytes as stored (and widens fp16 and bf16 itself); without it they are decoded here.
        add(batch?.load(bytes, logits.dtype, bytes.length / rowBytes, plan.vocab) ?? decodeFloats(bytes, logits.dtype, ownBuffer), firstRow);
        progress?.((firstRow + bytes.length / rowBytes) / totalRows);
      }
    };
    await stream((rows, firstRow) => computation.addLogitRows(rows, firstRow), onProgress);
    // The exact temperature fit reads the logits again, once for each candidate temperature (2 to 4 passes).
    while (computation.nextTemperaturePass() !== undefined) await stream((rows, firstRow) => computation.addTemperatureRows(rows, firstRow));
  } else if (plan.predictions !== undefined) {
    const predictions = decodeIntegers(await readTensorBytes(plan.predictions), plan.predictions.dtype);
    const labelLogProbs = plan.labelLogProbs === undefined ? undefined : decodeFloats(await readTensorBytes(plan.labelLogProbs), plan.labelLogProbs.dtype).slice();
    const maxLogProbs = plan.maxLogProbs === undefined ? undefined : decodeFloats(await readTensorBytes(plan.maxLogProbs), plan.maxLogProbs.dtype).slice();
    computation.addPredictions(predictions, labelLogProbs, maxLogProbs);
  }
  const result = computation.finish();
  const problems = result.outOfRangeLabels > 0 ? [`${result.outOfRangeLabels} labels are outside the vocabulary (0..${plan.vocab - 1}) and not the ignore index ${plan.ignoreIndex}: not scored.`] : [];
  if (result.summary.tokens === 0) problems.push('No token was scored: every label is the ignore index (or the shift left none).');
  return { step, alignment: describePlan(plan), pairing: planPairing(plan), summary: result.summary, correctness: result.correctness, problems };
}
