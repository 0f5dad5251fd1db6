import { formatAccuracy, type AccuracyMeasure } from '../src/core/analysis/accuracyMeasure';

/** Builds an element. Text from logs (run names, keys, messages) only ever goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K];
export function el(tag: string, attributes?: Record<string, string>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) element.append(child);
  return element;
}

/** An accuracy in the scale its run's series was decided to have (never decided per value). */
export function formatPercent(value: number | null | undefined, measure: AccuracyMeasure | null): string {
  if (value === null || value === undefined || !Number.isFinite(value) || measure === null) return '–';
  return formatAccuracy(value, measure.scale);
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(4);
}
