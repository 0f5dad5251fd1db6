import { resolve } from 'node:path';
import { buildRunReport } from '../core/report';
import { watchLine, watchProblemLine } from '../core/watchText';
import { withEvaluationReports } from './reportPaths';
import { RunSession } from './runSession';
import type { WatcherFactory } from './logWatcher';
import type { EvalOutputsConfig } from './tokens/evaluationContext';

/**
 * The extension's live session in a terminal: the paths are watched as the extension watches its folders,
 * and each change of a run is one line, the run's report (`--json`: one JSON object a line, the run in the
 * shape `report --json` gives it). A problem is printed when it appears or its message changes.
 */
export async function watchPaths(
  paths: readonly string[],
  options: {
    readonly json: boolean;
    readonly write: (line: string) => void;
    readonly evaluations?: Partial<EvalOutputsConfig>;
    readonly createWatcher?: WatcherFactory;
  },
): Promise<{ stop(): Promise<void> }> {
  const { json, write } = options;
  const problem = (path: string | undefined, message: string): void =>
    write(json ? JSON.stringify({ type: 'problem', ...(path === undefined ? {} : { path }), message }) : watchProblemLine(path, message));
  const session = new RunSession((message) => problem(undefined, message), undefined, options.evaluations, undefined, options.createWatcher);
  /** What was last printed per run and per problem: a notification that changes nothing prints nothing. */
  const printed = new Map<string, string>();
  let problemsPrinted = new Set<string>();
  const subscription = session.onRunsChanged((runIds) => {
    for (const id of runIds) {
      const snapshot = session.store.snapshot(id);
      if (snapshot === undefined) continue;
      // As report does: evaluations whose pairing the logged loss settles join the run before analysis.
      const resolved = session.resolve(snapshot);
      const run = withEvaluationReports(
        session.withOutputEvidence(buildRunReport(resolved.run, {}, session.runInfo(id)), resolved.evaluations),
        resolved.evaluations,
      );
      const line = json ? JSON.stringify({ type: 'run', run }) : watchLine(run, session.label(id));
      if (printed.get(id) === line) continue;
      printed.set(id, line);
      write(line);
    }
    const current = new Set<string>();
    for (const { path, message } of [...session.problems(), ...session.unverifiedProblems()]) {
      const key = `${path}\u0000${message}`;
      current.add(key);
      if (!problemsPrinted.has(key)) problem(path, message);
    }
    problemsPrinted = current;
  });
  await session.watch(paths.map((path) => resolve(path)));
  return {
    stop: async () => {
      subscription.dispose();
      await session.dispose();
    },
  };
}
