import { el } from './dom';
import type { UiState } from './uiState';
import { X_AXIS_LABELS, type XAxisMode } from './xAxis';

export interface ControlEvents {
  onUi(change: Partial<UiState>): void;
  onAxis(mode: XAxisMode): void;
  onExtraKey(key: string | null): void;
  onZoom(factor: number): void;
  onResetZoom(): void;
  onExportCsv(): void;
}

function checkbox(id: string, label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  const box = el('input', { type: 'checkbox', id });
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return el('label', { for: id, class: 'toggle' }, box, ` ${label}`);
}

function button(id: string, text: string, accessibleName: string, onClick: () => void): HTMLButtonElement {
  const result = el('button', { type: 'button', id, 'aria-label': accessibleName, title: accessibleName }, text);
  result.addEventListener('click', onClick);
  return result;
}

/** The bar above the charts. Every control is a native element with a label: reachable by Tab, named for screen readers. */
export function controlBar(
  ui: UiState,
  events: ControlEvents,
): { element: HTMLElement; setZoomed(zoomed: boolean): void; setKeys(keys: readonly string[], selected: string | null): void } {
  const smoothing = el('input', {
    type: 'range',
    id: 'smoothing',
    min: '0',
    max: '0.99',
    step: '0.01',
    value: String(ui.smoothing),
    'aria-label': 'Smoothing',
    title: 'Smoothing of train curves; eval curves are drawn raw, so they end where the table says',
  });
  const smoothingValue = el('output', { id: 'smoothing-value', for: 'smoothing' }, ui.smoothing.toFixed(2));
  smoothing.addEventListener('input', () => {
    smoothingValue.textContent = Number(smoothing.value).toFixed(2);
    events.onUi({ smoothing: Number(smoothing.value) });
  });
  const axis = el(
    'select',
    { id: 'x-axis', 'aria-label': 'X axis' },
    ...(Object.keys(X_AXIS_LABELS) as XAxisMode[]).map((mode) => el('option', { value: mode }, X_AXIS_LABELS[mode])),
  );
  axis.value = ui.xAxis;
  axis.addEventListener('change', () => events.onAxis(axis.value as XAxisMode));
  const extra = el('select', { id: 'extra-key', 'aria-label': 'Another metric to chart' }, el('option', { value: '' }, 'none'));
  extra.addEventListener('change', () => events.onExtraKey(extra.value === '' ? null : extra.value));
  const reset = button('reset-zoom', 'Reset zoom', 'Reset zoom (double-click a chart, or press 0 on it)', () => events.onResetZoom());
  reset.disabled = ui.xRange === null;
  let knownKeys = '';
  const element = el(
    'header',
    { class: 'controls', role: 'toolbar', 'aria-label': 'Chart controls' },
    el('span', { class: 'control' }, el('label', { for: 'smoothing' }, 'Smoothing'), smoothing, smoothingValue),
    el('span', { class: 'control' }, el('label', { for: 'x-axis' }, 'X axis'), axis),
    el(
      'span',
      { class: 'control', role: 'group', 'aria-label': 'Series' },
      checkbox('show-eval-loss', 'Eval loss', ui.showEvalLoss, (checked) => events.onUi({ showEvalLoss: checked })),
      checkbox('show-train-loss', 'Train loss', ui.showTrainLoss, (checked) => events.onUi({ showTrainLoss: checked })),
      checkbox('show-accuracy', 'Token accuracy', ui.showAccuracy, (checked) => events.onUi({ showAccuracy: checked })),
    ),
    el('span', { class: 'control' }, el('label', { for: 'extra-key' }, 'Also chart'), extra),
    el(
      'span',
      { class: 'control', role: 'group', 'aria-label': 'Zoom' },
      button('zoom-in', '+', 'Zoom in', () => events.onZoom(0.5)),
      button('zoom-out', '−', 'Zoom out', () => events.onZoom(2)),
      reset,
    ),
    button('export-csv', 'Export CSV', 'Export the visible data as CSV', () => events.onExportCsv()),
  );
  return {
    element,
    setZoomed: (zoomed) => {
      reset.disabled = !zoomed;
    },
    setKeys: (keys, selected) => {
      const signature = keys.join('\u0000');
      if (signature !== knownKeys) {
        knownKeys = signature;
        extra.replaceChildren(el('option', { value: '' }, 'none'), ...keys.map((key) => el('option', { value: key }, key)));
      }
      extra.value = selected !== null && keys.includes(selected) ? selected : '';
    },
  };
}
