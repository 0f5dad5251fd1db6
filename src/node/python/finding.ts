import type { PyCall, PyValue, Span } from './syntax';

export type Framework = 'transformers' | 'keras' | 'lightning' | 'torch' | 'nanogpt' | 'fastai';

/** One id per rule: settings turn each off or change its severity by these names. */
export const RULE_IDS = [
  'hf-loss-metric',
  'hf-metric-direction',
  'hf-plateau-mode',
  'hf-early-stopping',
  'keras-monitor',
  'lightning-monitor',
  'lightning-mode',
  'torch-plateau-step',
  'nanogpt-best-val-loss',
  'fastai-monitor',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** What a fix writes: the run's accuracy key as a string literal, or a fixed piece of code. */
export type FixText = { readonly metric: true } | { readonly code: string };

export type FixStep =
  /** Replace a value where it stands (a positional argument). */
  | { readonly kind: 'replace'; readonly span: Span; readonly value: FixText }
  /** Set a keyword argument, adding it when absent. */
  | { readonly kind: 'keyword'; readonly call: PyCall; readonly name: string; readonly value: FixText }
  /** Set a key of a dictionary literal, adding it when absent. */
  | { readonly kind: 'entry'; readonly dict: Extract<PyValue, { kind: 'dict' }>; readonly key: string; readonly value: FixText }
  /** Set a key of the dictionary passed as a keyword argument, adding `name={key: value}` when absent. */
  | { readonly kind: 'keyword-entry'; readonly call: PyCall; readonly name: string; readonly key: string; readonly value: FixText };

/**
 * A configuration that trusts the loss, found in a script. `bug` marks what is wrong whatever the run
 * shows (an accuracy minimised); the rest is advice whose weight depends on what the run shows.
 */
export interface Finding {
  readonly rule: RuleId;
  readonly framework: Framework;
  readonly span: Span;
  /** What the code does, in one sentence. */
  readonly message: string;
  readonly bug: boolean;
  /**
   * The accuracy keys the script is read to log, as its framework spells them, most wanted first (TRL's
   * `eval_mean_token_accuracy`, `eval_` + a key its `compute_metrics` returns); empty when no reading tells.
   */
  readonly loggedKeys: readonly string[];
  /** Empty when no rewrite is safe (a loss computed by hand, a nanoGPT comparison). */
  readonly fix: readonly FixStep[];
}

/** A finding as a rule makes it; the keys the script logs are read once for the whole script. */
export type RuleFinding = Omit<Finding, 'loggedKeys'>;
