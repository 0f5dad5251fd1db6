import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { RunView } from '../core/runView';
import { lossTrustIn, measuresAccuracy } from '../node/python/codeRules';
import type { Finding } from '../node/python/finding';
import { evidenceRun, reportFinding, type FindingReport } from '../node/python/findingReport';
import { loadPythonParser, type GrammarFiles, type PythonParser } from '../node/python/pythonParser';
import { findingsForRun, runsWrittenBy } from '../node/python/scriptRuns';
import { Disposable } from './disposable';
import { lensDiagnostic } from './lensDiagnostic';
import { affectsSettings, readCodeWarningSettings } from './settings';

/** What the diagnostics need of the runs: the views, the active run, and when they change. */
export interface RunsSource {
  runs(): readonly RunView[];
  activeRunId(): string | undefined;
  readonly onDidChangeRuns: vscode.Event<void>;
}

/** A finding as shown in one version of a document; the code actions read these. */
export interface ShownFinding {
  readonly finding: Finding;
  readonly report: FindingReport;
  readonly diagnostic: vscode.Diagnostic;
}

interface DocumentState {
  readonly uri: vscode.Uri;
  readonly version: number;
  readonly parseMs: number;
  readonly folder: string | undefined;
  readonly strings: readonly string[];
  readonly measuresAccuracy: boolean;
  readonly findings: readonly { readonly finding: Finding; readonly range: vscode.Range }[];
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

const SCHEMES = new Set(['file', 'untitled', 'vscode-notebook-cell']);
const isPython = (document: vscode.TextDocument): boolean => document.languageId === 'python' && SCHEMES.has(document.uri.scheme);

/** The code of a notebook cell's siblings: the imports and paths the cell relies on are often in another cell. */
function notebookContext(cell: vscode.TextDocument): string | undefined {
  if (cell.uri.scheme !== 'vscode-notebook-cell') return undefined;
  const notebook = vscode.workspace.notebookDocuments.find((candidate) => candidate.getCells().some((c) => c.document === cell));
  return notebook
    ?.getCells()
    .filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document !== cell && c.document.languageId === 'python')
    .map((c) => c.document.getText())
    .join('\n');
}

/**
 * Inline warnings in Python training scripts: configurations that trust the loss, weighed by what the run
 * the script writes shows. Parsing is debounced per document; a change of the runs only re-weighs the
 * findings already parsed.
 */
export class CodeDiagnostics extends Disposable {
  private readonly collection = this.own(vscode.languages.createDiagnosticCollection('tokenAccuracyLens.code'));
  private readonly states = new Map<string, DocumentState>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private parser: Promise<PythonParser> | undefined;
  private settings = readCodeWarningSettings();
  private readonly writesChanged = this.own(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when the runs a script writes are known anew (after a parse, or as runs appear): the status bar follows the active script. */
  readonly onDidChangeWrites = this.writesChanged.event;

  constructor(
    private readonly grammar: GrammarFiles,
    private readonly source: RunsSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.own(vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document, 0)));
    this.own(
      vscode.workspace.onDidChangeTextDocument((event) => {
        const parseMs = this.states.get(event.document.uri.toString())?.parseMs ?? 0;
        this.schedule(event.document, Math.max(DEBOUNCE_MS, PAUSE_PER_PARSE_MS * parseMs));
      }),
    );
    this.own(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
    this.own(source.onDidChangeRuns(() => this.showAll()));
    this.own(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event, 'codeWarnings')) return;
        this.settings = readCodeWarningSettings();
        for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
      }),
    );
    this.own({
      dispose: () => {
        for (const timer of this.timers.values()) clearTimeout(timer);
        void this.parser?.then((parser) => parser.dispose());
      },
    });
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  /** The findings shown at a range of the document as it is now; stale ones (edited since) are left out. */
  shownAt(document: vscode.TextDocument, range: vscode.Range): ShownFinding[] {
    const state = this.states.get(document.uri.toString());
    if (state === undefined || state.version !== document.version) return [];
    return state.shown.filter((shown) => shown.diagnostic.range.intersection(range) !== undefined);
  }

  /** Where the open scripts that write a run trust the loss, as shown now (rules turned off are left out). */
  codeTrustingLossOf(runId: string): vscode.Location[] {
    const scripts = [...this.states.values()].map((state) => ({
      path: state.uri.toString(),
      writes: state.writes,
      findings: state.shown.map((shown) => new vscode.Location(state.uri, shown.diagnostic.range)),
    }));
    return findingsForRun(scripts, runId);
  }

  /** The runs a parsed script writes, as last weighed; none for a script not parsed (yet). */
  writesOf(uri: vscode.Uri): readonly string[] {
    return this.states.get(uri.toString())?.writes ?? [];
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (!isPython(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.analyze(document).catch((error: unknown) => {
          // Marks from an earlier version would no longer match the text that could not be read.
          this.forget(document.uri);
          this.log.warn(`Could not read ${document.uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
        });
      }, delay),
    );
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.states.delete(key);
    this.collection.delete(uri);
  }

  private loadParser(): Promise<PythonParser> {
    this.parser ??= loadPythonParser(this.grammar);
    return this.parser;
  }

  private async analyze(document: vscode.TextDocument): Promise<void> {
    if (!this.settings.enabled || document.isClosed || document.getText().length > MAX_CHARS) {
      this.forget(document.uri);
      return;
    }
    const parser = await this.loadParser();
    if (document.isClosed || this.isDisposed) return;
    const started = performance.now();
    const { script, findings } = lossTrustIn(parser, document.getText(), notebookContext(document));
    const elapsed = performance.now() - started;
    if (elapsed > 50) this.log.debug(`Parsing ${document.uri.fsPath} took ${elapsed.toFixed(0)} ms`);
    const state: DocumentState = {
      uri: document.uri,
      version: document.version,
      parseMs: elapsed,
      folder: document.uri.scheme === 'untitled' ? undefined : dirname(document.uri.fsPath),
      strings: script.strings,
      measuresAccuracy: measuresAccuracy(script),
      findings: findings.map((finding) => ({
        finding,
        range: new vscode.Range(document.positionAt(finding.span.start), document.positionAt(finding.span.end)),
      })),
      shown: [],
      writes: [],
    };
    this.states.set(document.uri.toString(), state);
    this.show(state);
  }

  private showAll(): void {
    for (const state of this.states.values()) this.show(state);
  }

  /** Weighs each finding by the run the script writes (else the active run) and publishes the diagnostics. */
  private show(state: DocumentState): void {
    const views = this.source.runs();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const bases = state.folder === undefined ? folders : [state.folder, ...folders];
    const written = runsWrittenBy(
      state.strings,
      bases,
      views.map((view) => view.id),
    );
    const writesChanged = written.length !== state.writes.length || written.some((id, i) => id !== state.writes[i]);
    state.writes = written;
    if (writesChanged) this.writesChanged.fire(state.uri);
    const run = evidenceRun(written, views, this.source.activeRunId());
    state.shown = state.findings.flatMap(({ finding, range }) => {
      const level = this.settings.levels.get(finding.rule) ?? 'default';
      if (level === 'off') return [];
      const report = reportFinding(finding, run, state.measuresAccuracy, run !== undefined && written.includes(run.id));
      const diagnostic = lensDiagnostic(range, report.message, level === 'default' ? report.level : level, finding.rule);
      return [{ finding, report, diagnostic }];
    });
    this.collection.set(
      state.uri,
      state.shown.map((shown) => shown.diagnostic),
    );
  }
}
