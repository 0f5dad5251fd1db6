import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogIngest } from '../../src/node/logIngest';
import { trainerStateText } from './helpers';

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'tal-ingest-'));
}

/** A one-file JSONL run, already read once. */
async function readJsonlRun(content: string): Promise<{ dir: string; file: string; ingest: LogIngest }> {
  const dir = workspace();
  const file = join(dir, 'log.jsonl');
  writeFileSync(file, content);
  const ingest = new LogIngest();
  await ingest.ingest(file);
  return { dir, file, ingest };
}

test('JSONL: appended lines are read from the cursor; a partial line waits', async () => {
  const dir = workspace();
  const file = join(dir, 'run', 'metrics.jsonl');
  mkdirSync(join(dir, 'run'));
  writeFileSync(file, '{"step": 1, "eval_loss": 2.0}\n{"step": 2, "eval_lo');
  const changes: string[] = [];
  const ingest = new LogIngest((ids) => changes.push(...ids));
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(join(dir, 'run'))?.metrics.get('eval_loss'), { steps: [1], values: [2] });
  appendFileSync(file, 'ss": 1.5}\n');
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(join(dir, 'run'))?.metrics.get('eval_loss'), { steps: [1, 2], values: [2, 1.5] });
  assert.deepEqual(changes, [join(dir, 'run'), join(dir, 'run')]);
  rmSync(dir, { recursive: true });
});

test('JSONL: a file that shrinks is a restart and is read again from the start', async () => {
  const { dir, file, ingest } = await readJsonlRun('{"step": 1, "loss": 3}\n{"step": 2, "loss": 2}\n{"step": 3, "loss": 1}\n');
  writeFileSync(file, '{"step": 1, "loss": 5}\n');
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [1], values: [5] });
  rmSync(dir, { recursive: true });
});

test('JSONL: a log of many chunks, streamed into the store, reads as it would in one piece; one change is reported; a restart of it, even one that was empty for a while, drops what the new content lacks', async () => {
  const lines = (count: number, scale: number): string =>
    Array.from({ length: count }, (_, i) => `{"step": ${i}, "loss": ${i * scale}, "epoch": ${i / 100}}\n`).join('');
  // About 1.3 MB: several of the reader's chunks, with lines cut across their edges.
  const changes: string[] = [];
  const dir = workspace();
  const file = join(dir, 'log.jsonl');
  writeFileSync(file, lines(30_000, 1));
  const ingest = new LogIngest((ids) => changes.push(...ids));
  await ingest.ingest(file);
  const loss = ingest.store.snapshot(dir)?.metrics.get('loss');
  assert.equal(loss?.steps.length, 30_000);
  assert.deepEqual(loss?.steps.slice(-2), [29_998, 29_999]);
  assert.deepEqual(loss?.values.slice(-2), [29_998, 29_999]);
  assert.deepEqual(ingest.store.snapshot(dir)?.axes?.epoch.values.slice(-1), [299.99]);
  assert.deepEqual(changes, [dir]);
  writeFileSync(file, lines(20_000, 2));
  await ingest.ingest(file);
  const restarted = ingest.store.snapshot(dir)?.metrics.get('loss');
  assert.equal(restarted?.steps.length, 20_000);
  assert.deepEqual(restarted?.values.slice(-1), [39_998]);
  // Restarted empty, it cannot be told from a dataset yet; once it can, its points replace the old ones.
  writeFileSync(file, '');
  await ingest.ingest(file);
  writeFileSync(file, lines(2, 5));
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [0, 1], values: [0, 5] });
  rmSync(dir, { recursive: true });
});

test('JSONL: many logs found at once (a scan) are all read whole, first reads taking turns; appends to them are read after', async () => {
  const dir = workspace();
  const files = Array.from({ length: 12 }, (_, run) => {
    mkdirSync(join(dir, `run${run}`));
    const file = join(dir, `run${run}`, 'log.jsonl');
    // Some past the size at which a read waits its turn, some under it.
    const lines = run % 2 === 0 ? 4000 : 10;
    writeFileSync(file, Array.from({ length: lines }, (_, step) => `{"step": ${step}, "loss": ${run}}\n`).join(''));
    return { file, lines };
  });
  const ingest = new LogIngest();
  await Promise.all(files.map(({ file }) => ingest.ingest(file)));
  for (const [run, { file, lines }] of files.entries()) {
    assert.equal(ingest.store.snapshot(join(dir, `run${run}`))?.metrics.get('loss')?.steps.length, lines);
    appendFileSync(file, `{"step": ${lines}, "loss": -1}\n`);
  }
  await Promise.all(files.map(({ file }) => ingest.ingest(file)));
  for (const [run, { lines }] of files.entries()) assert.equal(ingest.store.snapshot(join(dir, `run${run}`))?.metrics.get('loss')?.steps.length, lines + 1);
  rmSync(dir, { recursive: true });
});

test('JSONL: a file deleted and written again is a restart, even when it is longer and reuses the inode', async () => {
  const { dir, file, ingest } = await readJsonlRun('{"step": 1, "loss": 3}\n');
  rmSync(file);
  writeFileSync(file, '{"step": 1, "loss": 5}\n{"step": 2, "loss": 4}\n');
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [1, 2], values: [5, 4] });
  rmSync(dir, { recursive: true });
});

test('JSONL: a corrupt line is a problem that names the line; the good lines are kept', async () => {
  const { dir, ingest } = await readJsonlRun('{"step": 1, "loss": 3}\n{oops}\n{"step": 3, "loss": 1}\n');
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss')?.steps, [1, 3]);
  assert.match(ingest.problems()[0]?.message ?? '', /Line 2 is not valid JSON/);
  rmSync(dir, { recursive: true });
});

test('trainer_state.json: checkpoint histories merge into the output_dir run', async () => {
  const dir = workspace();
  mkdirSync(join(dir, 'out', 'checkpoint-20'), { recursive: true });
  const early = [
    { eval_loss: 2, step: 10 },
    { eval_loss: 1.8, step: 20 },
  ];
  writeFileSync(join(dir, 'out', 'checkpoint-20', 'trainer_state.json'), trainerStateText(early));
  writeFileSync(join(dir, 'out', 'trainer_state.json'), trainerStateText([...early, { eval_loss: 1.9, step: 30 }]));
  const ingest = new LogIngest();
  await ingest.ingest(join(dir, 'out', 'checkpoint-20', 'trainer_state.json'));
  await ingest.ingest(join(dir, 'out', 'trainer_state.json'));
  const run = ingest.store.snapshot(join(dir, 'out'));
  assert.deepEqual(run?.metrics.get('eval_loss'), { steps: [10, 20, 30], values: [2, 1.8, 1.9] });
  assert.equal(run?.sources.length, 2);
  assert.deepEqual(ingest.store.runIds(), [join(dir, 'out')]);
  rmSync(dir, { recursive: true });
});

test('trainer_state.json caught half-written is retried, not reported, and read once whole', async () => {
  const dir = workspace();
  const file = join(dir, 'trainer_state.json');
  const text = trainerStateText([{ eval_loss: 2, step: 10 }]);
  writeFileSync(file, text.slice(0, 20));
  let resolveChange: () => void = () => undefined;
  const changed = new Promise<void>((resolve) => (resolveChange = resolve));
  const ingest = new LogIngest(() => resolveChange());
  await ingest.ingest(file);
  assert.deepEqual(ingest.problems(), []);
  writeFileSync(file, text);
  await changed;
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('eval_loss')?.values, [2]);
  assert.deepEqual(ingest.problems(), []);
  ingest.dispose();
  rmSync(dir, { recursive: true });
});

test('a deleted file keeps its points and says it was deleted', async () => {
  const { dir, file, ingest } = await readJsonlRun('{"step": 1, "loss": 3}\n');
  rmSync(file);
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss')?.values, [3]);
  assert.match(ingest.problems()[0]?.message ?? '', /deleted/);
  rmSync(dir, { recursive: true });
});
