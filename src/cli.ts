import { visibleText } from './core/displayText';
import { formatText } from './core/reportText';
import { reportPaths } from './node/reportPaths';

const USAGE = 'Usage: token-accuracy-lens report <path>... [--json]\n  Reads training logs (trainer_state.json, JSONL, TensorBoard, console logs, … as the README lists) under the given files or directories\n  and prints each run\'s eval loss, token accuracy, best checkpoints and warnings.';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const paths = rest.filter((arg) => arg !== '--json');
  if (command !== 'report' || paths.length === 0 || paths.some((arg) => arg.startsWith('--'))) {
    process.stderr.write(USAGE + '\n');
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const document = await reportPaths(paths);
  process.stdout.write(json ? JSON.stringify(document, null, 2) + '\n' : formatText(document));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`token-accuracy-lens: ${visibleText((error as Error).message)}\n`);
    process.exitCode = 1;
  },
);
