import type { EvalOutputOptions } from './core/tokens/evalPlan';
import type { ReportDocument } from './core/report';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { meetsConfidence, parseReportArgs } from './core/reportArgs';
import { visibleText } from './core/displayText';
import { jsonChunks } from './core/jsonChunks';

const USAGE =
  "Usage: token-accuracy-lens report <path>... [--json [--pretty]] [--fail-on low|medium|high] [--causal-shift yes|no|auto] [--ignore-index N]\n  Reads training logs (trainer_state.json, JSONL, TensorBoard, console logs, … as the README lists) under the given files or directories\n  and prints each run's eval loss, token accuracy, best checkpoints and warnings (paths relative to the path given that holds them).\n" +
  '  --json: the report as one JSON document (compact; --pretty indents it for people).\n' +
  '  --fail-on: exit with status 3 when a warning of at least that confidence stands, for CI.\n' +
  '  Runs with per-token evaluation outputs list the tokens carrying the loss change between two evaluations (the least-loss one and the\n  latest unless --tokens-steps FROM,TO): --tokens N lists N (default 50), --overconfidence P counts wrong tokens above confidence P (0.9).\n' +
  '       token-accuracy-lens watch <path>... [--json] [--causal-shift yes|no|auto] [--ignore-index N]\n  Watches them as the extension does and prints a line each time a run changes (--json: one JSON object a line); Ctrl+C stops.\n' +
  "  --causal-shift: how [batch, seq] evaluation outputs without metadata pair with their labels (yes: position t predicts label t+1;\n  no: aligned; auto, the default: decided by the run's logged eval loss, else reported as unverified).\n  --ignore-index: the label of unscored positions when the outputs' metadata does not say (default -100).\n" +
  'Exit status: 0 when the report was written (files that could not be read are listed as problems and do not change it); 3 with --fail-on\n' +
  '  when a warning at or above that confidence stands; 2 for a usage error; 1 when the command itself failed.';

/** Watches until SIGINT (Ctrl+C) or SIGTERM, then stops the watchers and exits 0. */
async function watchUntilStopped(paths: readonly string[], json: boolean, options: EvalOutputOptions): Promise<never> {
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A closed pipe (`| head`) ends the watch like Ctrl+C.
  const closed = new Promise<void>((resolve) => process.stdout.once('error', () => resolve()));
  // Until stopped, even while a root's watcher is being replaced and no watch is open for a moment.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  // Loaded only by the command that needs it: the watchers are most of the bundle, and `report` starts without them.
  const { watchPaths } = await import('./node/watchPaths');
  const watching = await watchPaths(paths, { json, write: (line) => process.stdout.write(line + '\n'), evaluations: { options } });
  await Promise.race([stopped, closed]);
  clearInterval(keepAlive);
  // Watchers are closed; a handle chokidar leaves open (a watch on a folder deleted under it) must not keep the process alive.
  await Promise.race([watching.stop(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(0);
}

/** How long a stop waits for the watchers to close before the process ends anyway. */
const STOP_WAIT_MS = 3000;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const args = parseReportArgs(rest);
  if ((command !== 'report' && command !== 'watch') || 'error' in args || args.paths.length === 0) {
    process.stderr.write(('error' in args && (command === 'report' || command === 'watch') ? `${args.error}\n` : '') + USAGE + '\n');
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  if (command === 'watch' && args.failOn !== undefined) {
    process.stderr.write('--fail-on applies to report only.\n' + USAGE + '\n');
    return 2;
  }
  if (command === 'watch' && args.tokens !== undefined) {
    process.stderr.write('--tokens, --tokens-steps and --overconfidence apply to report only.\n' + USAGE + '\n');
    return 2;
  }
  if (args.pretty === true && (command === 'watch' || !args.json)) {
    process.stderr.write('--pretty applies to report --json only.\n' + USAGE + '\n');
    return 2;
  }
  if (command === 'watch') return watchUntilStopped(args.paths, args.json, args.evalOutputs);
  const [{ reportPaths }, { RunTokenizers }] = await Promise.all([import('./node/reportPaths'), import('./node/tokens/runTokenizer')]);
  const tokenizers = new RunTokenizers();
  const document = await reportPaths(
    args.paths,
    { options: args.evalOutputs },
    { ...(args.tokens === undefined ? {} : { request: args.tokens }), decoderFor: tokenizers.decoderFor, tokenizerProblems: () => tokenizers.problems() },
  );
  if (args.json) await writeJson(document, args.pretty === true ? '  ' : '');
  else {
    const { formatText } = await import('./core/reportText');
    await writeOut(formatText(document, args.paths.flatMap(baseFolder)));
  }
  const { failOn } = args;
  const failing = failOn !== undefined && document.runs.some((run) => run.warnings.some((warning) => meetsConfidence(warning.confidence, failOn)));
  return failing ? WARNINGS_STAND : 0;
}

/** Pieces of output gathered up to this size before a write: fewer calls, and never the whole report as one string. */
const WRITE_BYTES = 1 << 16;

/** The report as JSON, written as it is serialized, waiting whenever stdout's buffer is full; it stops when the reader is gone (`| head`). */
async function writeJson(document: ReportDocument, indent: string): Promise<void> {
  let pending = '';
  for (const piece of jsonChunks(document, indent)) {
    pending += piece;
    if (pending.length >= WRITE_BYTES) {
      if (!(await writeOut(pending))) return;
      pending = '';
    }
  }
  await writeOut(pending + '\n');
}

/**
 * Writes `text`, resolving once stdout can take more (at once when it is a file or a pipe Node writes
 * synchronously): true, or false when the pipe was closed by its reader, which ends the output as it ends `cat`.
 */
function writeOut(text: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      process.stdout.off('drain', settle);
      process.stdout.off('error', settle);
      if (error === undefined) resolve(true);
      else if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
        // Writes already queued fail the same way once the reader is gone: nothing is left to tell.
        process.stdout.on('error', () => undefined);
        resolve(false);
      } else reject(error);
    };
    process.stdout.once('error', settle);
    if (process.stdout.write(text)) {
      // A write that failed at once reports its error on a later tick: wait for that tick before going on.
      setImmediate(() => {
        if (process.stdout.listeners('error').includes(settle)) settle();
      });
    } else process.stdout.once('drain', settle);
  });
}

/** The package's version, from the package.json the bundle ships beside (dist/../package.json). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `--fail-on`'s status, apart from usage errors (2) and failures (1) so that CI can tell a gate from a crash. */
const WARNINGS_STAND = 3;

/** The folder the text report's paths are shown relative to: the path given, or the folder of a file given. */
function baseFolder(path: string): string[] {
  const absolute = resolvePath(path);
  try {
    return [statSync(absolute).isDirectory() ? absolute : dirname(absolute)];
  } catch {
    // A missing path is none: its problem names it in full.
    return [];
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`token-accuracy-lens: ${visibleText((error as Error).message)}\n`);
    process.exitCode = 1;
  },
);
