import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LogFormat } from '../../core/formats/logFormat';
import { EVAL_OUTPUTS_FORMAT, evaluationPoints } from '../../core/tokens/evalOutputsFormat';
import { metadataSidecarPath } from '../../core/tokens/metadataSidecar';
import { describeReadError, type ReadOutcome, type SourceReader } from '../sourceReader';
import { cacheKey, type FileIdentity } from './evalCache';
import type { EvalComputeOptions } from './evalFileStats';
import type { EvaluationContext } from './evaluationContext';

/** A file written in the last few seconds may still be being written: a failure then is retried, not reported. */
const FRESH_MS = 5000;

async function identities(path: string): Promise<FileIdentity[]> {
  // A .npy labels file stands for its folder: a sibling rewritten (the logits of the next save) changes it.
  const paths = path.toLowerCase().endsWith('.npy')
    ? (await readdir(dirname(path)))
        .filter((name) => name.toLowerCase().endsWith('.npy'))
        .sort()
        .map((name) => join(dirname(path), name))
    : [path];
  // The metadata sidecar, when there is one, changes how the tokens pair: it is part of the identity too.
  const sidecar = metadataSidecarPath(path);
  const sidecarInfo = sidecar === undefined ? undefined : await stat(sidecar).catch(() => undefined);
  const found = await Promise.all(
    paths.map(async (file) => {
      const info = await stat(file);
      return { path: file, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
    }),
  );
  return sidecar === undefined || sidecarInfo === undefined
    ? found
    : [...found, { path: sidecar, size: sidecarInfo.size, mtimeMs: sidecarInfo.mtimeMs, ino: sidecarInfo.ino }];
}

function optionsFor(folders: readonly string[] | undefined, evaluations: EvaluationContext): EvalComputeOptions {
  return { ...evaluations.options, ...(folders === undefined ? {} : { evalOutputFolders: folders }) };
}

/**
 * Starts scoring an evaluation file in the pool before its read: a reader that takes files one by one (the
 * CLI's report, for a report that does not depend on which file finishes first) still keeps every worker
 * busy. The read that follows takes the result; a failure is left for it to report.
 */
export async function scoreAhead(path: string, format: LogFormat, evaluations: EvaluationContext): Promise<void> {
  try {
    const files = await identities(path);
    const options = optionsFor(format.tensorFolders, evaluations);
    await evaluations.score(cacheKey(files, options), path, files, options);
  } catch {
    // The read reports what went wrong.
  }
}

/** Reads one evaluation: its computed statistics become points at its step; its details go to the context's store. */
export class EvalOutputsReader implements SourceReader {
  readonly format = EVAL_OUTPUTS_FORMAT.id;
  private key: string | undefined;
  private modified = 0;
  private readonly runId: string;
  /** The folders the format was built with (the user's may differ from `eval_outputs`): the step is looked for below them. */
  private readonly folders: readonly string[] | undefined;

  constructor(
    readonly path: string,
    format: LogFormat,
    private readonly evaluations: EvaluationContext,
  ) {
    this.runId = format.classify(path)?.runDirectory ?? dirname(path);
    this.folders = format.tensorFolders;
  }

  get modifiedMs(): number {
    return this.modified;
  }

  async read(): Promise<ReadOutcome> {
    let files: FileIdentity[];
    try {
      files = await identities(this.path);
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
    const { evaluations } = this;
    const options = optionsFor(this.folders, evaluations);
    const key = cacheKey(files, options);
    if (key === this.key) return { kind: 'unchanged' };
    this.modified = Math.max(...files.map((file) => file.mtimeMs));
    const result = await evaluations.score(key, this.path, files, options);
    if ('error' in result) {
      if (Date.now() - this.modified < FRESH_MS) return { kind: 'retry', message: result.error };
      this.key = key;
      this.evalStoreRemove();
      return { kind: 'failed', message: result.error };
    }
    this.key = key;
    evaluations.outputs.set(this.runId, { ...result, path: this.path });
    const problems = [...result.problems];
    // An evaluation whose pairing is left to the run's logged loss adds its points only once that decides it (resolvedRun.ts).
    return {
      kind: 'points',
      points: result.aligned === undefined ? evaluationPoints(result.summary, result.step) : [],
      replace: true,
      problems,
      changedAside: true,
    };
  }

  private evalStoreRemove(): void {
    this.evaluations.outputs.remove(this.runId, this.path);
  }

  dispose(): void {
    this.evalStoreRemove();
  }
}
