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
