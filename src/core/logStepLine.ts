/**
 * The line that logs a step, in the shapes the JSON readers accept (`"step": 300`, `"current_steps": 300`,
 * W&B's `"_step": 300`), so that a link can open a log at the record a warning rests on.
 */
export function stepLinePattern(step: number): RegExp {
  return new RegExp(`"(?:step|global_step|current_steps|_step|trainer/global_step|iter|iteration)"\\s*:\\s*${step}(?![\\d.eE])`);
}
