import type { MetricPoint } from '../types';
import type { RunInfo } from './logFormat';
import { hfTables, type HfTable } from './notebookTable';
import { streamTrainings } from './notebookStream';
import { joinNotebookEvaluations } from './notebookEvalJoin';

/**
 * A notebook's cells as the reader needs them, whatever they came from: a saved `.ipynb` (notebookFormat.ts)
 * or an open notebook document (the editor's notebook API). Only text outputs matter; images are never given.
 */
export interface NotebookOutput {
  /** `stream`: stdout/stderr text, consecutive pieces joined; `display`: one mime type of a display or execute result. */
  readonly kind: 'stream' | 'display';
  /** Which stream: pieces of one stream are joined as they come (a line can be split between them); another stream starts a new line. */
  readonly stream?: 'stdout' | 'stderr';
  /**
   * The position of the output this is one form of, in its cell: a display's `text/html` and `text/plain` share it,
   * and a plain form beside an HTML table is that table again. Without it each item stands alone.
   */
  readonly output?: number;
  /** `text/html` or `text/plain` for a display (others are ignored); `text/plain` for a stream. */
  readonly mime: string;
  readonly text: string;
}

/** The editor's notebook API gives printed text as output items of these mime types. */
const EDITOR_STREAMS: Readonly<Record<string, 'stdout' | 'stderr'>> = {
  'application/vnd.code.notebook.stdout': 'stdout',
  'application/vnd.code.notebook.stderr': 'stderr',
};

/** Whether an output item of this mime type is read at all: a caller leaves the others (images) undecoded. */
export function isReadNotebookMime(mime: string): boolean {
  return mime === 'text/html' || mime === 'text/plain' || EDITOR_STREAMS[mime] !== undefined;
}

/** An open notebook's output item (its mime type and its text) as the reader takes it; undefined for a mime type it does not read. */
export function notebookOutputOf(mime: string, text: string): NotebookOutput | undefined {
  const stream = EDITOR_STREAMS[mime];
  if (stream !== undefined) return { kind: 'stream', mime: 'text/plain', stream, text };
  return mime === 'text/html' || mime === 'text/plain' ? { kind: 'display', mime, text } : undefined;
}

export interface NotebookCellOutputs {
  /** The cell's position in the notebook, from 0. Runs are named by it counted from 1 (`cell 8` is index 7). */
  readonly index: number;
  /** nbformat ≥ 4.5's cell id, when the notebook has one. */
  readonly id?: string;
  readonly source?: string;
  readonly outputs: readonly NotebookOutput[];
}

/** What the run's x is: the Trainer's global step, or the epoch where nothing gives a step (said in the run's info). */
export type NotebookXAxis = 'step' | 'epoch';

/** Which output the run was read from. */
export type NotebookRunSource = 'hf-table' | 'hf-dicts' | 'keras';

export interface NotebookRun {
  /** `cell-8`, then `cell-8-2` for a cell's second training: the run's id is `<notebook path>#<suffix>`. */
  readonly suffix: string;
  /** `train.ipynb · cell 8` (`· training 2` for a cell's second). */
  readonly name: string;
  /** The index of the cell whose outputs hold the run (NotebookCellOutputs.index). */
  readonly cellIndex: number;
  readonly cellId?: string;
  readonly x: NotebookXAxis;
  readonly source: NotebookRunSource;
  /** Keys as the other readers of the same trainer write them (`eval_loss`, `loss`, `val_accuracy`), so roles and definitions follow. */
  readonly points: MetricPoint[];
  /** `name`, `xUnit` (the x as a field the views use), and the parameter `x axis` saying what the x is and how that was decided. */
  readonly runInfo: RunInfo;
}

export interface NotebookReadResult {
  readonly runs: readonly NotebookRun[];
  /** What could not be read, in words a user can act on, naming the cell. */
  readonly problems: readonly string[];
}

/** One training as a reader of one kind of output found it, before it is named. */
export interface FoundTraining {
  readonly x: NotebookXAxis;
  readonly xReason: string;
  readonly source: NotebookRunSource;
  readonly points: MetricPoint[];
}

function fromTable(table: HfTable): FoundTraining {
  return { x: table.x, xReason: table.xReason, source: 'hf-table', points: table.points };
}

/** The trainings of one cell, in output order; printed text runs on across outputs until a table comes between. */
function cellTrainings(cell: NotebookCellOutputs, problems: string[], cellName: string): FoundTraining[] {
  const found: FoundTraining[] = [];
  let stream = '';
  let streamName: string | undefined;
  const flushStream = (): void => {
    if (stream === '') return;
    const read = streamTrainings(stream);
    found.push(...read.trainings);
    for (const problem of read.problems) problems.push(`${cellName}: ${problem}`);
    stream = '';
  };
  for (const output of cell.outputs) {
    if (output.kind === 'stream') {
      if (output.stream !== streamName && stream !== '' && !stream.endsWith('\n')) stream += '\n';
      streamName = output.stream;
      stream += output.text;
      continue;
    }
    if (output.mime === 'text/html' || output.mime === 'text/plain') {
      const tables = hfTables(output.text, output.mime);
      // A returned value's plain text (`trainer.evaluate()` as the cell's last line) goes on with what was printed.
      if (output.mime === 'text/plain' && tables.tables.length === 0) {
        stream += stream === '' || stream.endsWith('\n') ? `${output.text}\n` : `\n${output.text}\n`;
        streamName = undefined;
        continue;
      }
      if (tables.tables.length > 0) flushStream();
      for (const problem of tables.problems) problems.push(`${cellName}: ${problem}`);
      for (const table of tables.tables) {
        const previous = found[found.length - 1];
        // 5.x draws an evaluation after training as a table of its own: it belongs to the training drawn before it.
        if (table.standalone && previous !== undefined && previous.source === 'hf-table' && previous.x === table.x)
          found[found.length - 1] = { ...previous, points: [...previous.points, ...table.points] };
        else found.push(fromTable(table));
      }
    }
  }
  flushStream();
  return found;
}

/** A display often carries both forms of the same table: the HTML is read, the plain form of the same output is not counted again. */
function withoutPlainTwins(cell: NotebookCellOutputs): NotebookCellOutputs {
  const tables = new Set<number>();
  for (const output of cell.outputs)
    if (output.output !== undefined && output.kind === 'display' && output.mime === 'text/html' && /<table/i.test(output.text)) tables.add(output.output);
  if (tables.size === 0) return cell;
  return {
    ...cell,
    outputs: cell.outputs.filter(
      (output) => !(output.kind === 'display' && output.mime === 'text/plain' && output.output !== undefined && tables.has(output.output)),
    ),
  };
}

/**
 * The trainings in a notebook's outputs, one run each, named by notebook and cell, and an evaluation in a cell
 * of its own joined to the training it evaluates where that is settled (notebookEvalJoin.ts). Pure: the
 * saved-file reader calls it with every cell.
 */
export function notebookRuns(notebookName: string, cells: readonly NotebookCellOutputs[]): NotebookReadResult {
  const read = notebookCellRuns(notebookName, cells);
  return { runs: joinNotebookEvaluations(read.runs), problems: read.problems };
}

/**
 * The trainings of the cells given, one run each, nothing joined across cells: the live notebook feed reads each
 * cell whose outputs changed alone, and joins the notebook's runs with joinNotebookEvaluations.
 */
export function notebookCellRuns(notebookName: string, cells: readonly NotebookCellOutputs[]): NotebookReadResult {
  const runs: NotebookRun[] = [];
  const problems: string[] = [];
  for (const cell of cells) {
    const number = cell.index + 1;
    const cellName = `${notebookName} · cell ${number}`;
    const trainings = cellTrainings(withoutPlainTwins(cell), problems, `Cell ${number}`).filter((training) => training.points.length > 0);
    trainings.forEach((training, i) => {
      const name = i === 0 ? cellName : `${cellName} · training ${i + 1}`;
      const suffix = i === 0 ? `cell-${number}` : `cell-${number}-${i + 1}`;
      const run: NotebookRun = {
        suffix,
        name,
        cellIndex: cell.index,
        x: training.x,
        source: training.source,
        points: training.points,
        runInfo: { name, xUnit: training.x, parameters: { 'x axis': `${training.x} (${training.xReason})` } },
        ...(cell.id === undefined ? {} : { cellId: cell.id }),
      };
      runs.push(run);
    });
  }
  return { runs, problems };
}
