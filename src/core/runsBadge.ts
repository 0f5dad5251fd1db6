import { demandsAttention } from './analysis/warningSettings';
import type { Warning } from './analysis/warning';

/**
 * The Training Runs view's badge: how many runs have a warning that stands, one at medium or high confidence with
 * warning or error severity (the warnings that colour the status bar). A low-confidence warning is a hint to look,
 * not an alarm, and a plateau is advice: both stay in the run's tooltip, and the badge's tooltip says so.
 */
export function runsBadge(views: readonly { readonly warnings: readonly Warning[] }[]): { value: number; tooltip: string } | undefined {
  const standing = views.filter((view) => view.warnings.some(demandsAttention)).length;
  if (standing === 0) return undefined;
  const quieter = views.filter((view) => view.warnings.length > 0 && !view.warnings.some(demandsAttention)).length;
  return {
    value: standing,
    tooltip:
      `${standing} run${standing === 1 ? '' : 's'} with a warning at medium or high confidence` +
      (quieter === 0 ? '' : `; ${quieter} more with only low-confidence or advisory ones, not counted (see each run's tooltip)`),
  };
}
