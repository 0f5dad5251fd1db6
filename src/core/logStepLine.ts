/**
 * The line that logs a step, in the shapes the JSON readers accept (`"step": 300`, `"current_steps": 300`,
 * W&B's `"_step": 300`), so that a link can open a log at the record a warning rests on.
 */
export function stepLinePattern(step: number): RegExp {
  return new RegExp(`"(?:step|global_step|current_steps|_step|trainer/global_step|iter|iteration)"\\s*:\\s*${step}(?![\\d.eE])`);
}

/** A key an evaluation record has and a training record lacks: HF's `eval_loss`, W&B's `eval/loss`, Lightning's `val_loss`. */
const EVAL_KEY = /"(?:eval|val|validation)[_/]/;

/** Lines looked at around a step line for its record's eval keys: a pretty-printed HF record has a dozen. */
const RECORD_REACH = 40;

/**
 * The line to open a log at for `step`: the line that logs the step in an evaluation record when the log
 * has one (the warnings rest on evals, and HF logs the train record of the same step first), else the first
 * line that logs the step; undefined when none does. A record is the step's own line in JSON Lines, or the
 * lines of its pretty-printed object (trainer_state.json), looked at no further than RECORD_REACH lines away.
 */
export function stepLineIndex(lineCount: number, lineAt: (index: number) => string, step: number): number | undefined {
  const pattern = stepLinePattern(step);
  let first: number | undefined;
  for (let line = 0; line < lineCount; line++) {
    const text = lineAt(line);
    if (!pattern.test(text)) continue;
    first ??= line;
    if (inEvalRecord(lineCount, lineAt, line, text)) return line;
  }
  return first;
}

function inEvalRecord(lineCount: number, lineAt: (index: number) => string, line: number, text: string): boolean {
  if (EVAL_KEY.test(text)) return true;
  // A whole record on one line has no eval key when it does not have one on that line.
  if (text.includes('{') && text.includes('}')) return false;
  for (let back = line - 1; back >= Math.max(0, line - RECORD_REACH); back--) {
    const before = lineAt(back);
    if (EVAL_KEY.test(before)) return true;
    if (before.includes('{') || before.includes('}')) break;
  }
  for (let ahead = line + 1; ahead < Math.min(lineCount, line + RECORD_REACH); ahead++) {
    const after = lineAt(ahead);
    if (after.includes('{') || after.includes('}')) break;
    if (EVAL_KEY.test(after)) return true;
  }
  return false;
}
