import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { RunView } from '../core/runView';
import { lossTrustIn, measuresAccuracy } from '../node/python/codeRules';
import type { Finding } from '../node/python/finding';
import { evidenceRun, reportFinding, type FindingReport } from '../node/python/findingReport';
import { loadPythonParser, type GrammarFiles, type PythonParser } from '../node/python/pythonParser';
import { findingsForRun, runsWrittenBy, runsWrittenByNotebook } from '../node/python/scriptRuns';
import { planFix } from '../node/python/fixEdits';
import { cellSpan, notebookProgram, type NotebookProgram, type ProgramPart } from '../node/python/notebookProgram';
import type { Span } from '../node/python/syntax';
import { Disposable } from './disposable';
import { lensDiagnostic } from './lensDiagnostic';
import { affectsSettings, readCodeWarningSettings } from './settings';

/** What the diagnostics need of the runs: the views, the active run, and when they change. */
export interface RunsSource {
  runs(): readonly RunView[];
  activeRunId(): string | undefined;
  readonly onDidChangeRuns: vscode.Event<void>;
}

/** A quick fix's replacement in one document (a notebook's fix can reach into another cell). */
export interface FixEdit {
  readonly uri: vscode.Uri;
  readonly range: vscode.Range;
  readonly newText: string;
}

/** A finding as shown in one version of a document (a script or a notebook cell); the code actions read these. */
export interface ShownFinding {
  readonly finding: Finding;
  readonly report: FindingReport;
  readonly diagnostic: vscode.Diagnostic;
  /** The document the diagnostic is in. */
  readonly uri: vscode.Uri;
  /** The edits of the finding's fix, in the documents as parsed; empty when one would cross from a cell into the next. */
  fixEdits(): FixEdit[];
}

/** A document of the program as it was parsed: a script is one, a notebook's Python code cells are one each. */
interface Part extends ProgramPart {
  readonly document: vscode.TextDocument;
  readonly version: number;
}

/** A script, or a notebook's code cells read as one program. */
interface ProgramState {
  /** The script's or the notebook's. */
  readonly uri: vscode.Uri;
  /** A notebook saved on disk: the runs read from its outputs are its own. */
  readonly notebookPath: string | undefined;
  readonly parts: readonly Part[];
  /** The program's text as parsed: fixes are planned on it. */
  readonly text: string;
  readonly parseMs: number;
  readonly folder: string | undefined;
  readonly strings: readonly string[];
  readonly measuresAccuracy: boolean;
  readonly findings: readonly { readonly finding: Finding; readonly uri: vscode.Uri; readonly range: vscode.Range }[];
  shown: ShownFinding[];
  /** The runs the script writes, as last weighed. */
  writes: readonly string[];
}

/**
 * Typing pauses shorter than this do not reparse. A script whose parse is slow waits longer, so that the
 * parser never takes more than a tenth of the extension host's time while the user types.
 */
const DEBOUNCE_MS = 300;
const PAUSE_PER_PARSE_MS = 10;
/** Generated or data files with a .py name are not training scripts worth parsing on every edit. */
const MAX_CHARS = 2_000_000;

const CELL_SCHEME = 'vscode-notebook-cell';
const SCRIPT_SCHEMES = new Set(['file', 'untitled']);
const isPythonScript = (document: vscode.TextDocument): boolean => document.languageId === 'python' && SCRIPT_SCHEMES.has(document.uri.scheme);
const pythonCells = (notebook: vscode.NotebookDocument): vscode.TextDocument[] =>
  notebook
    .getCells()
    .filter((cell) => cell.kind === vscode.NotebookCellKind.Code && cell.document.languageId === 'python')
    .map((cell) => cell.document);

/** The notebook a cell's document belongs to. */
function notebookOf(cell: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (cell.uri.scheme !== CELL_SCHEME) return undefined;
  return vscode.workspace.notebookDocuments.find((notebook) => notebook.getCells().some((c) => c.document === cell));
}

/** What is parsed: a script, or a notebook whose code cells make one program. */
type Source = { readonly kind: 'script'; readonly document: vscode.TextDocument } | { readonly kind: 'notebook'; readonly notebook: vscode.NotebookDocument };

/**
 * Inline warnings in Python training scripts and notebooks: configurations that trust the loss, weighed by
 * what the run the script writes shows. A notebook's code cells are read as one program, in order (imports
 * and variables carry from cell to cell), and each finding is shown in the cell it lies in. Parsing is
 * debounced per script or notebook; a change of the runs only re-weighs the findings already parsed.
 */
export class CodeDiagnostics extends Disposable {
  private readonly collection = this.own(vscode.languages.createDiagnosticCollection('tokenAccuracyLens.code'));
  private readonly states = new Map<string, ProgramState>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private parser: Promise<PythonParser> | undefined;
  private settings = readCodeWarningSettings();
  private readonly writesChanged = this.own(new vscode.EventEmitter<vscode.Uri>());
  /** Fires (with each document's URI, a notebook's cells one by one) when the runs a script writes are known anew: the status bar follows the active script. */
  readonly onDidChangeWrites = this.writesChanged.event;

  constructor(
    private readonly grammar: GrammarFiles,
    private readonly source: RunsSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.own(vscode.workspace.onDidOpenTextDocument((document) => this.scheduleDocument(document, 0)));
    this.own(vscode.workspace.onDidChangeTextDocument((event) => this.scheduleDocument(event.document, undefined)));
    this.own(
      vscode.workspace.onDidCloseTextDocument((document) => {
        // A cell closes with its notebook, or when it is deleted, which the notebook's change event reports;
        // a notebook's file opened as text is not the notebook.
        const state = this.states.get(document.uri.toString());
        if (document.uri.scheme !== CELL_SCHEME && (state === undefined || state.notebookPath === undefined)) this.forget(document.uri);
      }),
    );
    this.own(vscode.workspace.onDidOpenNotebookDocument((notebook) => this.schedule({ kind: 'notebook', notebook }, 0)));
    this.own(
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        // Outputs and metadata change often while a cell runs; only added, removed or moved cells change the program.
        if (event.contentChanges.length > 0) this.schedule({ kind: 'notebook', notebook: event.notebook }, undefined);
      }),
    );
    this.own(vscode.workspace.onDidCloseNotebookDocument((notebook) => this.forget(notebook.uri)));
    this.own(source.onDidChangeRuns(() => this.showAll()));
    this.own(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event, 'codeWarnings')) return;
        this.settings = readCodeWarningSettings();
        this.scheduleEverything();
      }),
    );
    this.own({
      dispose: () => {
        for (const timer of this.timers.values()) clearTimeout(timer);
        void this.parser?.then((parser) => parser.dispose());
      },
    });
    this.scheduleEverything();
  }

  /** The findings shown at a range of the document as it is now; stale ones (the program edited since) are left out. */
  shownAt(document: vscode.TextDocument, range: vscode.Range): ShownFinding[] {
    const key = document.uri.toString();
    const state = [...this.states.values()].find((candidate) => candidate.parts.some((part) => part.document.uri.toString() === key));
    if (state === undefined || state.parts.some((part) => part.document.isClosed || part.document.version !== part.version)) return [];
    return state.shown.filter((shown) => shown.uri.toString() === key && shown.diagnostic.range.intersection(range) !== undefined);
  }

  /** Where the open scripts that write a run trust the loss, as shown now (rules turned off are left out). */
  codeTrustingLossOf(runId: string): vscode.Location[] {
    const scripts = [...this.states.values()].map((state) => ({
      path: state.uri.toString(),
      writes: state.writes,
      findings: state.shown.map((shown) => new vscode.Location(shown.uri, shown.diagnostic.range)),
    }));
    return findingsForRun(scripts, runId);
  }

  /** The runs a parsed script (or the notebook of a cell) writes, as last weighed; none for a script not parsed (yet). */
  writesOf(uri: vscode.Uri): readonly string[] {
    const key = uri.toString();
    const state = this.states.get(key) ?? [...this.states.values()].find((candidate) => candidate.parts.some((part) => part.document.uri.toString() === key));
    return state?.writes ?? [];
  }

  private scheduleEverything(): void {
    for (const document of vscode.workspace.textDocuments) this.scheduleDocument(document, 0);
    for (const notebook of vscode.workspace.notebookDocuments) this.schedule({ kind: 'notebook', notebook }, 0);
  }

  /** `delay` undefined: an edit, which waits for a pause in typing. */
  private scheduleDocument(document: vscode.TextDocument, delay: number | undefined): void {
    if (isPythonScript(document)) {
      this.schedule({ kind: 'script', document }, delay);
      return;
    }
    // Typing in a Markdown cell changes no code; a cell opened (added, or its language changed) may.
    if (delay === undefined && document.languageId !== 'python') return;
    const notebook = notebookOf(document);
    if (notebook !== undefined) this.schedule({ kind: 'notebook', notebook }, delay);
  }

  private schedule(source: Source, delay: number | undefined): void {
    const uri = source.kind === 'script' ? source.document.uri : source.notebook.uri;
    const key = uri.toString();
    const parseMs = this.states.get(key)?.parseMs ?? 0;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(
        () => {
          this.timers.delete(key);
          this.analyze(source).catch((error: unknown) => {
            // Marks from an earlier version would no longer match the text that could not be read.
            this.forget(uri);
            this.log.warn(`Could not read ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
          });
        },
        delay ?? Math.max(DEBOUNCE_MS, PAUSE_PER_PARSE_MS * parseMs),
      ),
    );
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(uri);
    for (const part of this.states.get(key)?.parts ?? []) this.collection.delete(part.document.uri);
    this.states.delete(key);
  }

  private loadParser(): Promise<PythonParser> {
    this.parser ??= loadPythonParser(this.grammar);
    return this.parser;
  }

  /** The documents of what is parsed and the program they make, read at one moment. */
  private static program(source: Source): { uri: vscode.Uri; closed: () => boolean; documents: vscode.TextDocument[]; program: NotebookProgram } {
    if (source.kind === 'script') {
      const text = source.document.getText();
      return {
        uri: source.document.uri,
        closed: () => source.document.isClosed,
        documents: [source.document],
        program: { text, parts: [{ start: 0, length: text.length }] },
      };
    }
    const documents = pythonCells(source.notebook);
    return {
      uri: source.notebook.uri,
      closed: () => source.notebook.isClosed,
      documents,
      program: notebookProgram(documents.map((document) => document.getText())),
    };
  }

  private async analyze(source: Source): Promise<void> {
    const { uri, closed, documents, program } = CodeDiagnostics.program(source);
    if (!this.settings.enabled || closed() || documents.length === 0 || program.text.length > MAX_CHARS) {
      this.forget(uri);
      return;
    }
    const parts = documents.map((document, i) => ({ ...(program.parts[i] as ProgramPart), document, version: document.version }));
    const parser = await this.loadParser();
    // An edit while the parser loaded is parsed by the timer it scheduled.
    if (closed() || this.isDisposed || parts.some((part) => part.document.version !== part.version)) return;
    const started = performance.now();
    const { script, findings } = lossTrustIn(parser, program.text);
    const elapsed = performance.now() - started;
    if (elapsed > 50) this.log.debug(`Parsing ${uri.fsPath} took ${elapsed.toFixed(0)} ms`);
    const previous = this.states.get(uri.toString());
    const state: ProgramState = {
      uri,
      notebookPath: source.kind === 'notebook' && uri.scheme === 'file' ? uri.fsPath : undefined,
      parts,
      text: program.text,
      parseMs: elapsed,
      folder: uri.scheme === 'file' ? dirname(uri.fsPath) : undefined,
      strings: script.strings,
      measuresAccuracy: measuresAccuracy(script),
      findings: findings.flatMap((finding) => {
        const placed = placeIn(parts, finding.span);
        return placed === undefined ? [] : [{ finding, uri: placed.document.uri, range: placed.range }];
      }),
      shown: [],
      writes: previous?.writes ?? [],
    };
    this.states.set(uri.toString(), state);
    // Cells deleted or no longer Python keep no marks.
    for (const part of previous?.parts ?? [])
      if (!parts.some((p) => p.document.uri.toString() === part.document.uri.toString())) this.collection.delete(part.document.uri);
    this.show(state);
  }

  private showAll(): void {
    for (const state of this.states.values()) this.show(state);
  }

  /** Weighs each finding by the run the script writes (else the active run) and publishes the diagnostics. */
  private show(state: ProgramState): void {
    const views = this.source.runs();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const bases = state.folder === undefined ? folders : [state.folder, ...folders];
    const runIds = views.map((view) => view.id);
    const written =
      state.notebookPath === undefined ? runsWrittenBy(state.strings, bases, runIds) : runsWrittenByNotebook(state.notebookPath, state.strings, bases, runIds);
    const writesChanged = written.length !== state.writes.length || written.some((id, i) => id !== state.writes[i]);
    state.writes = written;
    if (writesChanged) for (const part of state.parts) this.writesChanged.fire(part.document.uri);
    const run = evidenceRun(written, views, this.source.activeRunId());
    state.shown = state.findings.flatMap(({ finding, uri, range }) => {
      const level = this.settings.levels.get(finding.rule) ?? 'default';
      if (level === 'off') return [];
      const report = reportFinding(finding, run, state.measuresAccuracy, run !== undefined && written.includes(run.id));
      const diagnostic = lensDiagnostic(range, report.message, level === 'default' ? report.level : level, finding.rule);
      return [{ finding, report, diagnostic, uri, fixEdits: () => fixEditsIn(state, finding, report) }];
    });
    for (const part of state.parts) {
      const key = part.document.uri.toString();
      this.collection.set(
        part.document.uri,
        state.shown.filter((shown) => shown.uri.toString() === key).map((shown) => shown.diagnostic),
      );
    }
  }
}

/** A span of the program in the document that holds its start; a span running into the next cell ends with its own. */
function placeIn(parts: readonly Part[], span: Span): { document: vscode.TextDocument; range: vscode.Range } | undefined {
  const placed = cellSpan(parts, { start: span.start, end: span.start });
  const part = placed === undefined ? undefined : parts[placed.cell];
  if (placed === undefined || part === undefined) return undefined;
  const end = Math.min(span.end - part.start, part.length);
  return { document: part.document, range: new vscode.Range(part.document.positionAt(placed.span.start), part.document.positionAt(end)) };
}

/** The fix's edits in the documents they change; none when an edit would cross from one cell into the next. */
function fixEditsIn(state: ProgramState, finding: Finding, report: FindingReport): FixEdit[] {
  const edits: FixEdit[] = [];
  for (const edit of planFix(state.text, finding.fix, report.metricKey)) {
    const placed = cellSpan(state.parts, edit);
    const part = placed === undefined ? undefined : state.parts[placed.cell];
    if (placed === undefined || part === undefined) return [];
    const { document } = part;
    edits.push({
      uri: document.uri,
      range: new vscode.Range(document.positionAt(placed.span.start), document.positionAt(placed.span.end)),
      newText: edit.newText,
    });
  }
  return edits;
}
