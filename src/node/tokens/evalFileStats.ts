import { decodeFloats, decodeIntegers } from '../../core/tokens/decodeElements';
import { EvalComputation, MAX_MOMENT_ROWS, type EvalResult } from '../../core/tokens/evalComputation';
import { evaluationStep } from '../../core/tokens/evalOutputsFormat';
import { candidatePlans, describePlan, planEvaluation, planPairing, type EvalOutputOptions, type EvalPlan } from '../../core/tokens/evalPlan';
import type { RowBatchScorer } from '../../core/tokens/logitsRow';
import type { ScoredEvaluation, ScoredPairing } from '../../core/tokens/pairingDecision';
import { SCORING_SHARE, SCORING_SHARE_WITH_MOMENTS, ScoringProgress } from '../../core/tokens/scoringProgress';
import { createParallelRowScorer } from './kernel/parallelRowScorer';
import { readMetadataSidecar } from './metadataSidecarReader';
import { readTensorBytes, tensorRowChunks, tensorRowsWanted } from './tensorData';
import { locateEvalTensors, type LocatedTensor } from './tensorFiles';

/**
 * What one evaluation file yields, in a form that crosses a worker boundary and a JSON cache: its step, how
 * its tokens were paired, its statistics and per-token correctness, and, when nothing said how it pairs, the
 * aligned pairing scored as well (pairingDecision.ts).
 */
export type EvalFileResult = ScoredEvaluation;
export interface EvalComputeOptions extends EvalOutputOptions {
  /** Bytes of logits decoded at a time: the memory a file needs, whatever its size. */
  readonly chunkBytes?: number;
  readonly temperature?: boolean;
  /** false: score every row with the scalar loop instead of the SIMD kernel (for comparisons). */
  readonly kernel?: boolean;
  /** Names of the folders that hold evaluations (`eval_outputs` unless given): a step is looked for in folders below them. */
  readonly evalOutputFolders?: readonly string[];
  /** The worker script that, as a helper thread, scores half of each chunk's rows of a large evaluation (kernel/parallelRowScorer.ts). */
  readonly rowHelper?: string;
}

/** Logits below this size are scored on one thread: starting a helper costs more than it saves. */
const HELPER_MIN_BYTES = 32 << 20;

const DEFAULT_CHUNK_BYTES = 8 << 20;
/**
 * Rows the temperature fit reads again that lie at most this many rows apart are read in one piece (the rows
 * between are read and widened, not scored): fewer, larger reads and kernel calls for a few rows' waste.
 */
const WANTED_ROWS_GAP = 4;

/**
 * Reads and scores one evaluation, streaming its logits; `onProgress` gets the fraction done over the scoring
 * pass and the temperature fit's passes (scoringProgress.ts), 1 only once they are all done. When
 * nothing says how its tokens pair, both pairings are scored from the same chunks (two passes over each chunk
 * in memory, one read of the file) and the host decides between them.
 */
export async function computeEvalFile(
  path: string,
  options: EvalComputeOptions,
  onProgress?: (fraction: number) => void,
): Promise<EvalFileResult | { error: string }> {
  const files = await locateEvalTensors(path);
  if ('error' in files) return files;
  const sidecar = await readMetadataSidecar(path);
  if ('error' in sidecar) return sidecar;
  // A file's own header (safetensors) is the writer's word; the sidecar speaks for files that have none.
  const metadata = { ...sidecar.metadata, ...files.metadata };
  const planned = planEvaluation(files.tensors, metadata, options);
  if ('error' in planned) return planned;
  const { plan } = planned;
  const step = evaluationStep(path, metadata, options.evalOutputFolders);
  if (step === undefined) return { error: 'No step for this evaluation: name it step-<N> (or put it in checkpoint-<N>/, or give "step" in its metadata).' };
  const labels = decodeIntegers(await readTensorBytes(plan.labels), plan.labels.dtype);
  const sequenceIndex = plan.sequenceIndex === undefined ? undefined : decodeIntegers(await readTensorBytes(plan.sequenceIndex), plan.sequenceIndex.dtype);
  const large = plan.logits !== undefined && plan.logits.byteLength >= HELPER_MIN_BYTES;
  const scorer = options.kernel === false ? undefined : createParallelRowScorer(large ? options.rowHelper : undefined);
  try {
    return await scoreEvaluation(plan, step, labels, sequenceIndex, options, scorer?.scorer, onProgress);
  } finally {
    await scorer?.dispose();
  }
}

/** The scoring of a planned evaluation, with `batch` (the kernel, on one thread or two) or the scalar loop. */
async function scoreEvaluation(
  plan: EvalPlan<LocatedTensor>,
  step: number,
  labels: Float64Array,
  sequenceIndex: Float64Array | undefined,
  options: EvalComputeOptions,
  batch: RowBatchScorer | undefined,
  onProgress: ((fraction: number) => void) | undefined,
): Promise<EvalFileResult | { error: string }> {
  const plans = candidatePlans(plan);
  const computations = plans.map(
    (candidate) =>
      new EvalComputation(candidate, labels, {
        temperature: options.temperature ?? true,
        // scoreLogits runs every pass the exact fit asks for.
        exactFit: true,
        ...(batch === undefined ? {} : { batch }),
        ...(sequenceIndex === undefined ? {} : { sequenceIndex }),
      }),
  );
  if (plan.form === 'logits' && plan.logits !== undefined) await scoreLogits(plan, plan.logits, computations, options, batch, onProgress);
  else if (plan.predictions !== undefined) {
    const predictions = decodeIntegers(await readTensorBytes(plan.predictions), plan.predictions.dtype);
    const labelLogProbs =
      plan.labelLogProbs === undefined ? undefined : decodeFloats(await readTensorBytes(plan.labelLogProbs), plan.labelLogProbs.dtype).slice();
    const maxLogProbs = plan.maxLogProbs === undefined ? undefined : decodeFloats(await readTensorBytes(plan.maxLogProbs), plan.maxLogProbs.dtype).slice();
    for (const computation of computations) computation.addPredictions(predictions, labelLogProbs, maxLogProbs);
  }
  const [first, second] = computations.map((computation, i) => scored(plans[i] as EvalPlan, computation.finish()));
  if (first === undefined) return { error: 'The evaluation could not be planned.' };
  const problems =
    first.outOfRangeLabels > 0
      ? [`${first.outOfRangeLabels} labels are outside the vocabulary (0..${plan.vocab - 1}) and not the ignore index ${plan.ignoreIndex}: not scored.`]
      : [];
  if (first.pairing.summary.tokens === 0) problems.push('No token was scored: every label is the ignore index (or the shift left none).');
  return { step, ...first.pairing, problems, ...(second === undefined ? {} : { aligned: second.pairing }) };
}

function scored(plan: EvalPlan, result: EvalResult): { pairing: ScoredPairing; outOfRangeLabels: number } {
  const pairing = {
    alignment: describePlan(plan),
    pairing: planPairing(plan),
    summary: result.summary,
    correctness: result.correctness,
    ...(result.sequences === undefined ? {} : { sequences: result.sequences }),
    ...(result.records === undefined ? {} : { records: result.records }),
  };
  return { pairing, outOfRangeLabels: result.outOfRangeLabels };
}

/**
 * Streams the logits once, each chunk scored by every candidate pairing while it is in memory; then again
 * for the exact temperature fit, only where it asks: the rows whose moments must be retaken at a candidate
 * temperature (usually a few chunks at the start, or none), or every row for each candidate of an evaluation
 * too large to keep moments for (evalComputation.ts); both pairings of an undecided evaluation share each read.
 */
async function scoreLogits(
  plan: EvalPlan,
  logits: LocatedTensor,
  computations: readonly EvalComputation[],
  options: EvalComputeOptions,
  batch: RowBatchScorer | undefined,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const ownBuffer = logits.dtype === 'F32' ? undefined : new Float32Array(Math.max(plan.vocab, Math.floor(chunkBytes / 2)));
  const totalRows = plan.sequences * plan.sequenceLength;
  const rowBytes = logits.byteLength / totalRows;
  const stream = async (
    add: (rows: Float32Array, firstRow: number) => void,
    progress?: (fraction: number) => void,
    rows: { readonly first: number; readonly end: number } = { first: 0, end: totalRows },
    needs: (first: number, end: number) => boolean = () => true,
    wanted?: readonly number[],
  ): Promise<void> => {
    const chunks =
      wanted === undefined ? tensorRowChunks(logits, plan.vocab, chunkBytes, rows) : tensorRowsWanted(logits, plan.vocab, chunkBytes, wanted, WANTED_ROWS_GAP);
    // Of wanted rows: how many lie before the end of the chunk just scored (chunks come in row order).
    let done = 0;
    for await (const { bytes, firstRow } of chunks) {
      const endRow = firstRow + bytes.length / rowBytes;
      // The kernel takes the bytes as stored (and widens fp16 and bf16 itself); without it they are decoded here.
      if (needs(firstRow, endRow))
        add(batch?.load(bytes, logits.dtype, bytes.length / rowBytes, plan.vocab) ?? decodeFloats(bytes, logits.dtype, ownBuffer), firstRow);
      if (wanted === undefined) progress?.((endRow - rows.first) / Math.max(1, rows.end - rows.first));
      else {
        while (done < wanted.length && (wanted[done] as number) < endRow) done++;
        progress?.(done / wanted.length);
      }
    }
  };
  const withMoments = totalRows <= MAX_MOMENT_ROWS;
  const progress = new ScoringProgress(
    (fraction) => onProgress?.(fraction),
    options.temperature ?? true,
    withMoments ? SCORING_SHARE_WITH_MOMENTS : SCORING_SHARE,
  );
  await stream(
    (rows, firstRow) => {
      for (const computation of computations) computation.addLogitRows(rows, firstRow);
    },
    (fraction) => progress.within(fraction),
  );
  for (;;) {
    const open = computations.filter((computation) => computation.nextTemperaturePass() !== undefined);
    if (open.length === 0) break;
    progress.nextPass();
    // Only the rows some candidate reads again, when none reads them all.
    const spans = open.map((computation) => computation.temperaturePassRows() ?? { first: 0, end: totalRows });
    const span = { first: Math.min(...spans.map(({ first }) => first)), end: Math.max(...spans.map(({ end }) => end)) };
    // Each candidate's own rows when every candidate names them: only those are read and decoded.
    const lists = open.map((computation) => computation.temperaturePassRowList());
    const wanted =
      logits.deflated === undefined && lists.every((list) => list !== undefined)
        ? [...new Set(lists.flatMap((list) => list ?? []))].sort((a, b) => a - b)
        : undefined;
    await stream(
      (rows, firstRow) => {
        for (const computation of open) computation.addTemperatureRows(rows, firstRow);
      },
      (fraction) => progress.within(fraction),
      span,
      (first, end) => open.some((computation) => computation.temperaturePassNeeds(first, end)),
      wanted,
    );
  }
  progress.done();
}
