import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogFormat } from '../../core/formats/logFormat';
import { mcnemarExact, type McNemarResult } from '../../core/tokens/evaluationComparison';
import { EVAL_OUTPUTS_FOLDER, EVAL_OUTPUTS_FORMAT } from '../../core/tokens/evalOutputsFormat';
import { pairSamples, readSampleResults } from '../../core/tokens/sampleResults';
import { describeReadError, type ReadOutcome, type SourceReader } from '../sourceReader';
import { DEFAULT_READER_OPTIONS, readWholeFile, tooLargeMessage, type ReaderOptions } from '../wholeFileReader';
import type { EvaluationContext } from './evaluationContext';
import { EvaluationsByStep } from './evaluationsByStep';

interface SampleEvaluation {
  readonly path: string;
  readonly step: number;
  readonly correct: ReadonlyMap<string, boolean>;
}

/** Every per-sample evaluation read, by run and step: warning (a)'s paired test between two of them. */
export class SampleResultsStore extends EvaluationsByStep<SampleEvaluation> {
  /** McNemar's exact test on the samples the evaluations at `fromStep` and `toStep` share; undefined without both. */
  pairedTest(runId: string, fromStep: number, toStep: number): McNemarResult | undefined {
    const first = this.at(runId, fromStep);
    const second = this.at(runId, toStep);
    if (first === undefined || second === undefined) return undefined;
    const paired = pairSamples(first.correct, second.correct);
    return mcnemarExact(paired.first, paired.second);
  }
}

/** Reads a JSON file in an evaluation-output folder: per-sample results become a series and join the store; any other JSON is no log. */
export class SampleResultsReader implements SourceReader {
  readonly format = EVAL_OUTPUTS_FORMAT.id;
  private identity: { size: number; mtimeMs: number; ino: number } | undefined;
  private readonly runId: string;
  private readonly folders: readonly string[];

  constructor(
    readonly path: string,
    format: LogFormat,
    private readonly evaluations: EvaluationContext,
    private readonly options: ReaderOptions = DEFAULT_READER_OPTIONS,
  ) {
    this.runId = format.classify(path)?.runDirectory ?? dirname(path);
    this.folders = format.tensorFolders ?? [EVAL_OUTPUTS_FOLDER];
  }

  get modifiedMs(): number {
    return this.identity?.mtimeMs ?? 0;
  }

  async read(): Promise<ReadOutcome> {
    try {
      const info = await stat(this.path);
      const identity = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
      const known = this.identity;
      if (known !== undefined && known.size === identity.size && known.mtimeMs === identity.mtimeMs && known.ino === identity.ino) return { kind: 'unchanged' };
      const whole = await readWholeFile(this.path, this.options.maxWholeFileBytes);
      if (whole.kind === 'too-large') {
        this.identity = identity;
        return { kind: 'failed', message: tooLargeMessage(this.path, whole.info.size, this.options.maxWholeFileBytes) };
      }
      const read = readSampleResults(new TextDecoder('utf-8').decode(whole.bytes), this.path, this.folders);
      if (read.kind === 'incomplete') return { kind: 'retry', message: read.message };
      this.identity = identity;
      if (read.kind !== 'ok') {
        this.evaluations.samples.remove(this.runId, this.path);
        return read.kind === 'invalid' ? { kind: 'failed', message: read.message } : { kind: 'not-a-log' };
      }
      this.evaluations.samples.set(this.runId, { path: this.path, step: read.results.step, correct: read.results.correct });
      return { kind: 'points', points: read.results.points, replace: true, problems: [] };
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
  }

  dispose(): void {
    this.evaluations.samples.remove(this.runId, this.path);
  }
}
