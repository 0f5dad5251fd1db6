import { parseReportArgs } from './core/reportArgs';
import { visibleText } from './core/displayText';
import { formatText } from './core/reportText';
import { reportPaths } from './node/reportPaths';

const USAGE =
  "Usage: token-accuracy-lens report <path>... [--json] [--causal-shift yes|no|auto] [--ignore-index N]\n  Reads training logs (trainer_state.json, JSONL, TensorBoard, console logs, … as the README lists) under the given files or directories\n  and prints each run's eval loss, token accuracy, best checkpoints and warnings.\n  --causal-shift: how [batch, seq] evaluation outputs without metadata pair with their labels (yes: position t predicts label t+1;\n  no: aligned; auto, the default: decided by the run's logged eval loss, else reported as unverified).\n  --ignore-index: the label of unscored positions when the outputs' metadata does not say (default -100).";

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseReportArgs(rest);
  if (command !== 'report' || 'error' in args || args.paths.length === 0) {
    process.stderr.write(('error' in args && command === 'report' ? `${args.error}\n` : '') + USAGE + '\n');
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const document = await reportPaths(args.paths, { options: args.evalOutputs });
  process.stdout.write(args.json ? JSON.stringify(document, null, 2) + '\n' : formatText(document));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`token-accuracy-lens: ${visibleText((error as Error).message)}\n`);
    process.exitCode = 1;
  },
);
