import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walkLogs } from '../../src/node/walkLogs';
import { showRawName } from '../../src/node/folderClaims';
import { watchLine, watchProblemLine } from '../../src/core/watchText';
import { buildRunReport } from '../../src/core/report';
import { RunStore } from '../../src/core/runStore';

test('a link to runs kept elsewhere is followed, and two links to one folder read it once, under the first name', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tal-walk-'));
  mkdirSync(join(base, 'scratch', 'run'), { recursive: true });
  writeFileSync(join(base, 'scratch', 'run', 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  mkdirSync(join(base, 'workspace'));
  symlinkSync(join(base, 'scratch'), join(base, 'workspace', 'b-runs'));
  symlinkSync(join(base, 'scratch'), join(base, 'workspace', 'a-runs'));
  try {
    assert.deepEqual(await walkLogs(join(base, 'workspace')), [join(base, 'workspace', 'a-runs', 'run', 'metrics.jsonl')]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a tree wider than the folders the walk stats and lists ahead gives every log once, in name order, a folder met again through a link not entered twice', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tal-walk-wide-'));
  const expected: string[] = [];
  // 75 runs, more than two windows of stats; each of a few holds runs of its own, deeper than the lookahead.
  for (let run = 0; run < 75; run++) {
    const folder = join(base, `run-${String(run).padStart(3, '0')}`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
    expected.push(join(folder, 'metrics.jsonl'));
    if (run % 25 === 0)
      for (let inner = 0; inner < 12; inner++) {
        const deeper = join(folder, `trial-${String(inner).padStart(2, '0')}`);
        mkdirSync(deeper);
        writeFileSync(join(deeper, 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
        expected.push(join(deeper, 'metrics.jsonl'));
      }
  }
  // A link, met inside run-000, to a run its folder's listing had already claimed by its own name: read once, there.
  symlinkSync(join(base, 'run-070'), join(base, 'run-000', 'alias'));
  try {
    assert.deepEqual(await walkLogs(base), expected.sort());
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('raw names are shown with their valid characters and every other byte as \\xNN', () => {
  assert.equal(showRawName(Buffer.from([0x72, 0x75, 0x6e, 0x2d, 0xe9, 0x2d, 0xc3, 0xa9])), 'run-\\xE9-é');
  assert.equal(showRawName(Buffer.from([0xff, 0xfe])), '\\xFF\\xFE');
});

test('a watch line names the run, its last eval loss and accuracy, and its warnings; control characters cannot reach the terminal', () => {
  const store = new RunStore();
  store.addPoints('/r', { path: '/r/log.jsonl', format: 'jsonl' }, [
    { key: 'eval_loss', step: 100, value: 2.5 },
    { key: 'eval_accuracy', step: 100, value: 0.25 },
    { key: 'loss', step: 150, value: 2 },
  ]);
  const snapshot = store.snapshot('/r');
  assert.ok(snapshot);
  assert.equal(
    watchLine(buildRunReport(snapshot), 'run\u001b[2J'),
    'run\\e[2J: step 150 · eval loss 2.5000 (step 100) · eval accuracy 25.0% (step 100) · no warnings',
  );
  assert.equal(watchProblemLine('/a\nb', 'bad\u0007'), 'problem: /a\\nb: bad\\u{7}');
});
