import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunView } from '../../src/core/runView';
import { namedStatusLabel, namedStatusText, statusText, statusTooltip } from '../../src/core/statusText';
import { fixtureStore } from '../fixtures/runs';
import { pickStatusRun, shortRunLabel, statusRunReasonText, type StatusRunInputs, type StatusRunPick } from '../../src/core/statusRun';

const RUNS = ['/ws/a', '/ws/b', '/ws/c', '/ws/d', '/ws/e'];

/** Five live runs, `last` the one that wrote most recently. */
function writing(last: string, extra: Partial<StatusRunInputs> = {}): StatusRunInputs {
  return { recent: [...RUNS.filter((id) => id !== last), last], live: new Set(RUNS), scriptRuns: [], ...extra };
}

test('with five live runs writing in turn, the run first shown holds through every write', () => {
  let pick = pickStatusRun(null, writing('/ws/c'));
  assert.deepEqual(pick, { runId: '/ws/c', reason: 'recent', live: true });
  let changes = 0;
  for (let round = 0; round < 12; round++)
    for (const id of RUNS) {
      const next = pickStatusRun(pick, writing(id));
      if (next?.runId !== pick?.runId) changes++;
      pick = next;
    }
  assert.equal(changes, 0, 'the bar names one run through 60 writes');
  assert.equal(pick?.runId, '/ws/c');
});

test('focusing another run switches to it, and the chosen run holds afterwards', () => {
  const held = pickStatusRun(null, writing('/ws/a'));
  const chosen = pickStatusRun(held, writing('/ws/e', { focused: '/ws/b' }));
  assert.deepEqual(chosen, { runId: '/ws/b', reason: 'chosen', live: true });
  assert.equal(pickStatusRun(chosen, writing('/ws/d'))?.runId, '/ws/b');
});

test('a focus on a run that is not there (gone, or without accuracy) keeps the held run', () => {
  const held = pickStatusRun(null, writing('/ws/a'));
  assert.equal(pickStatusRun(held, writing('/ws/e', { focused: '/ws/gone' }))?.runId, '/ws/a');
});

test('the held run ending (going idle) releases it to the most recent live run', () => {
  const held: StatusRunPick = { runId: '/ws/a', reason: 'chosen', live: true };
  const next = pickStatusRun(held, { recent: ['/ws/b', '/ws/a', '/ws/c'], live: new Set(['/ws/b', '/ws/c']), scriptRuns: [] });
  assert.deepEqual(next, { runId: '/ws/c', reason: 'recent', live: true });
});

test('the most recent pick prefers a live run over an idle one written later', () => {
  const next = pickStatusRun(null, { recent: ['/ws/b', '/ws/a'], live: new Set(['/ws/b']), scriptRuns: [] });
  assert.equal(next?.runId, '/ws/b');
});

test('the held run disappearing releases it; a run nobody chose is not waited for', () => {
  const held: StatusRunPick = { runId: '/ws/gone', reason: 'chosen', live: true };
  assert.equal(pickStatusRun(held, writing('/ws/d'))?.runId, '/ws/d');
  const recent: StatusRunPick = { runId: '/ws/gone', reason: 'recent', live: true };
  assert.equal(pickStatusRun(recent, { recent: [], live: new Set(), scriptRuns: [] }), null);
  assert.deepEqual(pickStatusRun(recent, writing('/ws/d')), { runId: '/ws/d', reason: 'recent', live: true });
});

test('a rescan keeps the run the user chose: the store empties, runs come back one by one, and the chosen one takes the bar back', () => {
  let pick = pickStatusRun(null, writing('/ws/a'));
  pick = pickStatusRun(pick, writing('/ws/e', { focused: '/ws/c' }));
  assert.deepEqual(pick, { runId: '/ws/c', reason: 'chosen', live: true });
  // The rescan: every run is removed, then each is read again, the chosen one neither first nor last.
  pick = pickStatusRun(pick, { recent: [], live: new Set(), scriptRuns: [] });
  assert.equal(pick?.runId, '/ws/c', 'with nothing read yet, the chosen run stays the pick (the bar shows no run)');
  const shown: (string | undefined)[] = [];
  for (const back of [['/ws/a'], ['/ws/a', '/ws/b'], ['/ws/a', '/ws/b', '/ws/c'], RUNS]) {
    pick = pickStatusRun(pick, { recent: back, live: new Set(back), scriptRuns: [] });
    shown.push(pick?.runId);
  }
  assert.deepEqual(shown, ['/ws/a', '/ws/a', '/ws/c', '/ws/c']);
  assert.deepEqual(pick, { runId: '/ws/c', reason: 'chosen', live: true }, 'chosen again, and no longer awaited');
  for (const id of RUNS) pick = pickStatusRun(pick, writing(id));
  assert.equal(pick?.runId, '/ws/c', 'and held afterwards as before the rescan');
});

test('choosing another run while the chosen one is away stops waiting for it', () => {
  const away: StatusRunPick = { runId: '/ws/a', reason: 'recent', live: true, awaiting: '/ws/gone' };
  const chosen = pickStatusRun(away, writing('/ws/e', { focused: '/ws/b' }));
  assert.deepEqual(chosen, { runId: '/ws/b', reason: 'chosen', live: true });
  assert.equal(pickStatusRun(chosen, { recent: ['/ws/gone', ...RUNS], live: new Set(RUNS), scriptRuns: [] })?.runId, '/ws/b');
});

test('an idle run the user chose stays held; an idle run nobody chose gives way to a live one', () => {
  const idle = { recent: ['/ws/a', '/ws/b'], live: new Set<string>(), scriptRuns: [] };
  const chosen = pickStatusRun(null, { ...idle, focused: '/ws/a' });
  assert.deepEqual(chosen, { runId: '/ws/a', reason: 'chosen', live: false });
  const started = { recent: ['/ws/a', '/ws/b', '/ws/c'], live: new Set(['/ws/c']), scriptRuns: [] };
  assert.equal(pickStatusRun(chosen, started)?.runId, '/ws/a');
  const recent = pickStatusRun(null, idle);
  assert.deepEqual(recent, { runId: '/ws/b', reason: 'recent', live: false });
  assert.equal(pickStatusRun(recent, idle)?.runId, '/ws/b', 'with nothing live, the finished run stays');
  assert.equal(pickStatusRun(recent, started)?.runId, '/ws/c');
  const scanned = pickStatusRun(null, { recent: ['/ws/a'], live: new Set<string>(), scriptRuns: [] });
  assert.equal(
    pickStatusRun(scanned, idle)?.runId,
    '/ws/b',
    'a finished run read later in the first scan but written more recently takes the place of one nobody chose',
  );
});

test("the active script's run wins over the most recent, but not over the user's choice", () => {
  const first = pickStatusRun(null, writing('/ws/e', { scriptRuns: ['/ws/b'] }));
  assert.deepEqual(first, { runId: '/ws/b', reason: 'script', live: true });
  const held = pickStatusRun(null, writing('/ws/e'));
  assert.equal(held?.runId, '/ws/e');
  assert.equal(pickStatusRun(held, writing('/ws/a', { scriptRuns: ['/ws/b'] }))?.runId, '/ws/b', 'turning to the script switches');
  const chosen: StatusRunPick = { runId: '/ws/d', reason: 'chosen', live: true };
  assert.equal(pickStatusRun(chosen, writing('/ws/a', { scriptRuns: ['/ws/b'] }))?.runId, '/ws/d');
});

test("a script's run stays held when the user leaves the script, and among the script's runs the held one holds", () => {
  const script = pickStatusRun(null, writing('/ws/e', { scriptRuns: ['/ws/b', '/ws/c'] }));
  assert.equal(script?.runId, '/ws/c');
  assert.equal(pickStatusRun(script, writing('/ws/b', { scriptRuns: ['/ws/b', '/ws/c'] }))?.runId, '/ws/c');
  assert.equal(pickStatusRun(script, writing('/ws/a'))?.runId, '/ws/c');
});

test('a short label names the run: the name its logs gave, else its last folder, cut at 32 characters', () => {
  assert.equal(shortRunLabel('sft-lr1e-4 (outputs/sft-lr1e-4/runs)'), 'sft-lr1e-4');
  assert.equal(shortRunLabel('outputs/sft-lr1e-4'), 'sft-lr1e-4');
  assert.equal(shortRunLabel('outputs\\run-7\\'), 'run-7');
  assert.equal(shortRunLabel('x'.repeat(40)), `${'x'.repeat(31)}…`);
  assert.match(statusRunReasonText('chosen'), /you chose it/);
});

test('the status bar text and its accessible label name the run; the hover says why it is shown and links to choosing another', () => {
  const store = fixtureStore();
  const view = buildRunView(store.snapshot('/ws/sft-run') ?? assert.fail(), 'outputs/sft-lr1e-4');
  const other = buildRunView(store.snapshot('/ws/healthy') ?? assert.fail(), 'healthy');
  assert.equal(namedStatusText(view), `sft-lr1e-4 · ${statusText(view)}`);
  assert.match(namedStatusText(view), /^sft-lr1e-4 · Token acc 50\.9% ↑$/);
  assert.equal(namedStatusLabel(view), 'Run sft-lr1e-4: Token acc 50.9%, rising');
  assert.equal(namedStatusText(undefined), 'Token acc: –');
  const tooltip = statusTooltip(view, [view, other], 'script');
  assert.match(tooltip, /Shown because the active Python script writes it/);
  assert.match(tooltip, /\[Choose Another Run\]\(command:tokenAccuracyLens\.chooseStatusRun\)/);
  assert.doesNotMatch(statusTooltip(view, [view], 'recent'), /Choose Another Run/, 'with one run there is no other to choose');
});

test('an emoji at the cut is kept whole', () => {
  const label = `${'x'.repeat(30)}🚀🚀🚀`;
  assert.equal(shortRunLabel(label), `${'x'.repeat(30)}🚀…`);
});
