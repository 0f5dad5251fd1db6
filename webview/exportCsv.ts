import type { ChartLine, XRange } from './chartData';

/** A cell from a log (a run name, a key) is quoted, and one that a spreadsheet would run as a formula is defused. */
function textCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

function numberCell(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * The data the charts show, as CSV: one row per point inside the x range, raw value and (when its line is
 * smoothed: train curves, with smoothing on) the smoothed value beside it. Lines come in pairs (raw, smoothed) or alone (no smoothing).
 */
export function visibleCsv(
  charts: readonly (readonly ChartLine[])[],
  runLabels: ReadonlyMap<string, string>,
  xName: string,
  range: XRange | undefined,
): string {
  const rows = [['run', 'metric', xName, 'value', 'smoothed'].join(',')];
  for (const lines of charts) {
    lines.forEach((line, index) => {
      if (line.raw) return;
      const before = lines[index - 1];
      const raw = before !== undefined && before.raw && before.runId === line.runId && before.key === line.key ? before : undefined;
      line.points.forEach((point, i) => {
        if (range !== undefined && (point.x < range.min || point.x > range.max)) return;
        const value = raw === undefined ? point.y : raw.points[i]?.y;
        rows.push(
          [
            textCell(runLabels.get(line.runId) ?? line.runId),
            textCell(line.key),
            numberCell(point.x),
            numberCell(value),
            raw === undefined ? '' : numberCell(point.y),
          ].join(','),
        );
      });
    });
  }
  return rows.join('\n') + '\n';
}
