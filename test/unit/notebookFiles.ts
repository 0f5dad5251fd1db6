/**
 * Notebooks as the tests write them: nbformat 4 JSON, with outputs in the shapes the trainers produce.
 * The Trainer's table is built as transformers' utils/notebook.py builds it (text_to_html_table and
 * html_progress_bar, the same in 4.57 and 5.18; compared byte for byte with what its callback displayed).
 */

export type CellValue = number | string;

/** transformers' `text_to_html_table`: floats as `f"{v:.6f}"`, everything else `str(v)`. */
export function hfTableHtml(columns: readonly string[], rows: readonly (readonly CellValue[])[]): string {
  let html = '<table border="1" class="dataframe">\n';
  html += '  <thead>\n <tr style="text-align: left;">\n';
  for (const column of columns) html += `      <th>${column}</th>\n`;
  html += '    </tr>\n  </thead>\n  <tbody>\n';
  for (const row of rows) {
    html += '    <tr>\n';
    for (const value of row) html += `      <td>${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(6) : String(value)}</td>\n`;
    html += '    </tr>\n';
  }
  html += '  </tbody>\n</table><p>';
  return html;
}

/** `html_progress_bar` followed by the table, as NotebookTrainingTracker.display draws them. */
export function hfTrackerHtml(columns: readonly string[], rows: readonly (readonly CellValue[])[], steps = 60, epochs = 3): string {
  const bar = `
    <div>
      
      <progress value='${steps}' max='${steps}' style='width:300px; height:20px; vertical-align: middle;'></progress>
      [${steps}/${steps} 00:00, Epoch ${epochs}/${epochs}]
    </div>
    `;
  return bar + hfTableHtml(columns, rows);
}

/** Jupyter's display_data for an IPython HTML object: its plain form says only what it is. */
export function htmlDisplay(html: string): Record<string, unknown> {
  return {
    output_type: 'display_data',
    data: { 'text/html': html, 'text/plain': '<IPython.core.display.HTML object>' },
    metadata: {},
  };
}

export function plainDisplay(text: string): Record<string, unknown> {
  return { output_type: 'display_data', data: { 'text/plain': text }, metadata: {} };
}

export function executeResult(text: string, count = 1): Record<string, unknown> {
  return { output_type: 'execute_result', execution_count: count, data: { 'text/plain': text }, metadata: {} };
}

/** nbformat keeps text as a list of lines, each with its newline. */
export function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

export function stream(text: string, name: 'stdout' | 'stderr' = 'stdout'): Record<string, unknown> {
  return { output_type: 'stream', name, text: lines(text) };
}

export function imageDisplay(base64: string): Record<string, unknown> {
  return { output_type: 'display_data', data: { 'image/png': base64, 'text/plain': '<Figure size 640x480 with 1 Axes>' }, metadata: {} };
}

export interface TestCell {
  readonly source?: string;
  readonly outputs?: readonly Record<string, unknown>[];
  readonly markdown?: boolean;
}

/** A whole notebook, as Jupyter saves it (indent 1, keys sorted). */
export function notebookJson(cells: readonly TestCell[]): string {
  const json = {
    cells: cells.map((cell, i) =>
      cell.markdown === true
        ? { cell_type: 'markdown', id: `m${i}`, metadata: {}, source: lines(cell.source ?? '# Notes') }
        : {
            cell_type: 'code',
            execution_count: i + 1,
            id: `c${i}`,
            metadata: {},
            outputs: cell.outputs ?? [],
            source: lines(cell.source ?? 'trainer.train()'),
          },
    ),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(json, null, 1);
}

/** Keras 3's `fit(verbose=1)` in a notebook, as it wrote it: ANSI colours, a mid-epoch bar erased by backspaces, the epoch's last line. */
export function kerasFit(
  epochs: readonly { readonly loss: number; readonly accuracy: number; readonly valLoss: number; readonly valAccuracy: number }[],
): string {
  const back = '\b'.repeat(71);
  return epochs
    .map(
      (epoch, i) =>
        `Epoch ${i + 1}/${epochs.length}\n\n` +
        `\x1b[1m1/6\x1b[0m \x1b[32m━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 15ms/step - accuracy: 0.1000 - loss: 9.9999${back}\n` +
        `\x1b[1m6/6\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 5ms/step - accuracy: ${epoch.accuracy.toFixed(4)} - loss: ${epoch.loss.toFixed(4)} - val_accuracy: ${epoch.valAccuracy.toFixed(4)} - val_loss: ${epoch.valLoss.toFixed(4)}\n`,
    )
    .join('');
}
