import type { ValueAt } from './chartData';
import { el } from './dom';
import { SPREAD_NAME } from './groupBand';
import { runColor, type ThemeColors } from './theme';

/** Rows beyond this are summed up as "+N more": fifty runs do not fit beside a chart. */
const MAX_ROWS = 12;

function formatValue(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 0.001 || abs >= 1e5) ? value.toExponential(3) : value.toFixed(4);
}

/** The synced tooltip: every drawn run's value at the crosshair, highest first, in the run's colour. */
export function renderCrosshairTip(tip: HTMLElement, title: string, values: readonly ValueAt[], theme: ThemeColors): void {
  if (values.length === 0) {
    tip.hidden = true;
    return;
  }
  const sorted = [...values].sort((a, b) => b.y - a.y);
  const rows = sorted.slice(0, MAX_ROWS).map((value) => {
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = runColor(theme, value.colorIndex);
    const { spread } = value;
    const row = el('li', {}, swatch, el('span', { class: 'tip-label' }, value.label), el('span', { class: 'tip-value' }, formatValue(value.y)));
    if (spread === undefined) return row;
    // A group's mean says, on a line of its own, what its band spans there and over how many runs (those with a value at this point).
    row.classList.add('group');
    row.append(
      el(
        'span',
        { class: 'tip-band note' },
        `${SPREAD_NAME} ${formatValue(spread.low)} to ${formatValue(spread.high)}, ${spread.count} of ${spread.size} runs here`,
      ),
    );
    return row;
  });
  if (sorted.length > MAX_ROWS) rows.push(el('li', { class: 'note' }, `+${sorted.length - MAX_ROWS} more`));
  tip.replaceChildren(el('strong', {}, title), el('ul', {}, ...rows));
  tip.hidden = false;
}
