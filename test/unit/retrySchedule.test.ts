import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetrySchedule } from '../../src/node/retrySchedule';

/** A file that stays half-written: each re-read fails again, as a trainer_state.json that is never finished would. */
function stuckFile(retriesBeforeReport: number): { schedule: RetrySchedule; reports: boolean[]; rereads: () => number; settled: Promise<void> } {
  const reports: boolean[] = [];
  let count = 0;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const schedule: RetrySchedule = new RetrySchedule(
    (path) => {
      count += 1;
      reports.push(schedule.failed(path));
      // The last re-read's own timer (armed with the longest delay) fires before one set after it for longer.
      if (count === retriesBeforeReport * 3) setTimeout(settle, 20);
    },
    { delayMs: 1, retriesBeforeReport },
  );
  return { schedule, reports, rereads: () => count, settled };
}

test('a half-written file is re-read quietly, reported only after the Nth retry fails, and left after three times as many', async () => {
  const { schedule, reports, rereads, settled } = stuckFile(2);
  reports.push(schedule.failed('state.json'));
  await settled;
  // Attempts 1 and 2 stay quiet; from the 3rd on it is reported; the 7th arms a timer that reads no more.
  assert.deepEqual(reports, [false, false, true, true, true, true, true]);
  assert.equal(rereads(), 6);
  schedule.dispose();
});

test('a file read whole starts its count again, and each file is counted on its own', () => {
  const schedule = new RetrySchedule(() => undefined, { delayMs: 1, retriesBeforeReport: 1 });
  assert.equal(schedule.failed('a.json'), false);
  assert.equal(schedule.failed('a.json'), true);
  assert.equal(schedule.failed('b.json'), false);
  schedule.succeeded('a.json');
  assert.equal(schedule.failed('a.json'), false);
  schedule.dispose();
});

test('after dispose no re-read is armed and an armed one never fires', async () => {
  const rereads: string[] = [];
  const schedule = new RetrySchedule((path) => rereads.push(path), { delayMs: 1, retriesBeforeReport: 3 });
  schedule.failed('armed.json');
  schedule.dispose();
  schedule.failed('late.json');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(rereads, []);
});
