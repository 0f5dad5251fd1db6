import { classifyLogFile, logFormat } from '../core/formats/registry';
import type { FolderListings } from './folderListings';
import type { FormatOverrides } from './formatSettings';
import { createSourceReader } from './hostReaders';
import { planFormat, planSource, samePlan, type SourcePlan } from './sourcePlan';
import type { SourceReader } from './sourceReader';
import type { ReaderOptions } from './wholeFileReader';
import type { EvaluationContext } from './tokens/evaluationContext';

/** A file's reader, with the run and the plan it was made for. */
export interface FileEntry {
  readonly reader: SourceReader;
  readonly runId: string;
  readonly plan: SourcePlan;
}

/**
 * The reader of each log file, made the first time the file is read under the plan of what sat beside it then
 * (sourcePlan.ts). A reader holds the file's cursor and what its format keeps between reads, so it lives as
 * long as the file is read the same way; when a better source changes the plan, it is dropped for a new one.
 */
export class FileReaders {
  private readonly entries = new Map<string, FileEntry>();

  constructor(
    private readonly listings: FolderListings,
    private readonly evaluations: EvaluationContext,
    private readonly options: { readonly formats?: FormatOverrides; readonly readers?: ReaderOptions },
  ) {}

  get(path: string): FileEntry | undefined {
    return this.entries.get(path);
  }

  /** The file's reader, made on first use; undefined when the path is no log these settings read. */
  async open(path: string): Promise<FileEntry | undefined> {
    const known = this.entries.get(path);
    if (known !== undefined) return known;
    const file = classifyLogFile(path, this.options.formats);
    const format = file === undefined ? undefined : (this.options.formats?.get(file.format) ?? logFormat(file.format));
    if (file === undefined || format === undefined) return undefined;
    this.listings.saw(path, 'file');
    const plan = await planSource(file, this.listings);
    const reader = createSourceReader(path, planFormat(plan, format), this.evaluations, this.options.readers);
    if (reader === undefined) return undefined;
    const entry = { reader, runId: plan.runId, plan };
    this.entries.set(path, entry);
    return entry;
  }

  /**
   * Plans again the files whose plan waits on `runId`'s better source. A file whose plan differs loses its
   * reader and is handed to `dropped`, one at a time as found, to be read again; a TensorBoard file that a
   * trainer_log.jsonl changes nothing for keeps its reader.
   */
  async replan(runId: string, dropped: (path: string, entry: FileEntry) => void): Promise<void> {
    for (const [path, entry] of [...this.entries]) {
      if (entry.plan.dependsOn !== runId) continue;
      const file = classifyLogFile(path, this.options.formats);
      const plan = file === undefined ? undefined : await planSource(file, this.listings);
      if (plan === undefined || samePlan(plan, entry.plan) || this.entries.get(path) !== entry) continue;
      this.entries.delete(path);
      entry.reader.dispose?.();
      dropped(path, entry);
    }
  }

  /** Forgets the file's reader (its cursor too): the next read starts from the file's beginning. True when it had one. */
  drop(path: string): boolean {
    const entry = this.entries.get(path);
    if (entry === undefined) return false;
    this.entries.delete(path);
    entry.reader.dispose?.();
    return true;
  }

  /** When any file of the run was last written. */
  runModifiedMs(runId: string): number {
    let newest = 0;
    for (const { reader, runId: id } of this.entries.values()) {
      if (id === runId) newest = Math.max(newest, reader.modifiedMs);
      // A source of several runs (an MLflow database) feeds `<its run id>#<suffix>`: the part's own time, not the file's.
      else if (runId.startsWith(`${id}#`)) newest = Math.max(newest, reader.partModifiedMs?.(runId.slice(id.length + 1)) ?? reader.modifiedMs);
    }
    return newest;
  }

  dispose(): void {
    for (const { reader } of this.entries.values()) reader.dispose?.();
  }
}
