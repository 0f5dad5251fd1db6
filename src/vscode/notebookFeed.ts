import * as vscode from 'vscode';
import { basename } from 'node:path';
import { notebookCellRuns, type NotebookCellOutputs, type NotebookReadResult } from '../core/formats/notebookOutputs';
import { joinNotebookEvaluations } from '../core/formats/notebookEvalJoin';
import { NOTEBOOK_FORMAT } from '../core/formats/notebookFormat';
import { MAX_OUTPUT_ITEM_BYTES, readOutputItems } from '../node/notebookCellOutputs';
import type { RunPart } from '../node/sourceReader';
import { Disposable } from './disposable';

/** Where live runs go: the run session, through the controller. */
export interface LiveRunsSink {
  feedLive(path: string, format: string, runs: readonly RunPart[], problems: readonly string[]): void;
  endLive(path: string): void;
}

/**
 * A running cell replaces or appends its output many times a second (a progress bar, a table redrawn per
 * row): changes are read at most this often, well inside the 250 ms from an output to the panel. A cell
 * whose output is slow to read (30,000 printed dicts, 2.5 MB, take 150-250 ms on a busy 2-core machine)
 * waits ten times as long as its last read took, so the feed never takes more than a tenth of the
 * extension host's time.
 */
const FEED_INTERVAL_MS = 100;
const PAUSE_PER_FEED_MS = 10;

/** What one notebook's cells gave, by cell, so that a change re-reads only the cells whose outputs changed. */
interface NotebookState {
  readonly notebook: vscode.NotebookDocument;
  readonly path: string;
  readonly byCell: Map<vscode.NotebookCell, NotebookReadResult>;
  readonly changed: Set<vscode.NotebookCell>;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** How long the last feed took. */
  feedMs: number;
}

const isJupyterFile = (notebook: vscode.NotebookDocument): boolean => notebook.uri.scheme === 'file' && notebook.uri.fsPath.toLowerCase().endsWith('.ipynb');

/**
 * The runs of the notebooks open in the editor, read from their cells' outputs as they change (the notebook
 * API's events), not from the file: the panel and the status bar follow a Trainer's table row by row while its
 * cell runs, saved or not. When the notebook closes, the file on disk speaks for its runs again.
 */
export class NotebookFeed extends Disposable {
  private readonly notebooks = new Map<vscode.NotebookDocument, NotebookState>();

  constructor(private readonly sink: LiveRunsSink) {
    super();
    this.own(vscode.workspace.onDidOpenNotebookDocument((notebook) => this.opened(notebook)));
    this.own(
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        const state = this.notebooks.get(event.notebook);
        if (state === undefined) return;
        // Cells added, removed or moved change every later cell's number, which names its runs.
        if (event.contentChanges.length > 0) {
          state.byCell.clear();
          for (const cell of event.notebook.getCells()) state.changed.add(cell);
        }
        for (const change of event.cellChanges) if (change.outputs !== undefined) state.changed.add(change.cell);
        this.schedule(state);
      }),
    );
    this.own(vscode.workspace.onDidCloseNotebookDocument((notebook) => this.closed(notebook)));
    this.own({ dispose: () => [...this.notebooks.keys()].forEach((notebook) => this.closed(notebook)) });
    // Not during activation: decoding the outputs of notebooks already open can take a while.
    const start = setTimeout(() => {
      for (const notebook of vscode.workspace.notebookDocuments) this.opened(notebook);
    }, 0);
    this.own({ dispose: () => clearTimeout(start) });
  }

  private opened(notebook: vscode.NotebookDocument): void {
    if (!isJupyterFile(notebook) || this.notebooks.has(notebook)) return;
    const state: NotebookState = { notebook, path: notebook.uri.fsPath, byCell: new Map(), changed: new Set(notebook.getCells()), timer: undefined, feedMs: 0 };
    this.notebooks.set(notebook, state);
    this.feed(state);
  }

  private closed(notebook: vscode.NotebookDocument): void {
    const state = this.notebooks.get(notebook);
    if (state === undefined) return;
    clearTimeout(state.timer);
    this.notebooks.delete(notebook);
    this.sink.endLive(state.path);
  }

  private schedule(state: NotebookState): void {
    if (state.timer !== undefined || state.changed.size === 0) return;
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        this.feed(state);
      },
      Math.max(FEED_INTERVAL_MS, PAUSE_PER_FEED_MS * state.feedMs),
    );
  }

  /** Reads the changed cells' outputs again and gives the session all of the notebook's runs. */
  private feed(state: NotebookState): void {
    const started = performance.now();
    const name = basename(state.path);
    for (const cell of state.changed) {
      if (cell.index < 0) {
        state.byCell.delete(cell);
        continue;
      }
      state.byCell.set(cell, readCell(name, cell));
    }
    state.changed.clear();
    const results = state.notebook.getCells().flatMap((cell) => state.byCell.get(cell) ?? []);
    this.sink.feedLive(
      state.path,
      NOTEBOOK_FORMAT.id,
      // An evaluation in a cell of its own joins its training across cells, as when the saved file is read.
      joinNotebookEvaluations(results.flatMap((result) => result.runs)),
      results.flatMap((result) => result.problems),
    );
    state.feedMs = performance.now() - started;
  }
}

/** One cell's runs; what cannot be read is said as the cell's problem, and the other cells' runs stay. */
function readCell(notebookName: string, cell: vscode.NotebookCell): NotebookReadResult {
  try {
    const { outputs, tooLarge } = readOutputItems(cell.outputs.map((output) => output.items));
    const cellOutputs: NotebookCellOutputs = { index: cell.index, outputs };
    const read = notebookCellRuns(notebookName, outputs.length === 0 ? [] : [cellOutputs]);
    if (tooLarge === 0) return read;
    return {
      runs: read.runs,
      problems: [...read.problems, `Cell ${cell.index + 1}: ${tooLarge} output(s) over ${MAX_OUTPUT_ITEM_BYTES / 1024 / 1024} MB not read.`],
    };
  } catch (error) {
    return { runs: [], problems: [`Cell ${cell.index + 1}: its outputs could not be read (${error instanceof Error ? error.message : String(error)}).`] };
  }
}
