import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LogFormat } from '../../core/formats/logFormat';
import { EVAL_OUTPUTS_FORMAT, evaluationPoints } from '../../core/tokens/evalOutputsFormat';
import { describeReadError, type ReadOutcome, type SourceReader } from '../sourceReader';
import { cacheKey, type FileIdentity } from './evalCache';
import type { EvaluationContext } from './evaluationContext';

/** A file written in the last few seconds may still be being written: a failure then is retried, not reported. */
const FRESH_MS = 5000;

async function identities(path: string): Promise<FileIdentity[]> {
  // A .npy labels file stands for its folder: a sibling rewritten (the logits of the next save) changes it.
  const paths = path.toLowerCase().endsWith('.npy') ? (await readdir(dirname(path))).filter((name) => name.toLowerCase().endsWith('.npy')).sort().map((name) => join(dirname(path), name)) : [path];
  return Promise.all(
    paths.map(async (file) => {
      const info = await stat(file);
      return { path: file, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
    }),
  );
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
    const options = { ...evaluations.options, ...(this.folders === undefined ? {} : { evalOutputFolders: this.folders }) };
    const key = cacheKey(files, options);
    if (key === this.key) return { kind: 'unchanged' };
    this.modified = Math.max(...files.map((file) => file.mtimeMs));
    // The cache and pool of the moment: new settings may have replaced them since the last read.
    const cache = evaluations.cache;
    const cached = await cache.get(key);
    const result = cached ?? (await evaluations.runner.run(this.path, options, (fraction) => evaluations.progress(this.path, fraction)));
    if ('error' in result) {
      if (Date.now() - this.modified < FRESH_MS) return { kind: 'retry', message: result.error };
      this.key = key;
      this.evalStoreRemove();
      return { kind: 'failed', message: result.error };
    }
    this.key = key;
    if (cached === undefined) await cache.set(key, files, result).catch(() => undefined);
    evaluations.outputs.set(this.runId, { ...result, path: this.path });
    const problems = [...result.problems];
    return { kind: 'points', points: evaluationPoints(result.summary, result.step), replace: true, problems };
  }

  private evalStoreRemove(): void {
    this.evaluations.outputs.remove(this.runId, this.path);
  }

  dispose(): void {
    this.evalStoreRemove();
  }
}
