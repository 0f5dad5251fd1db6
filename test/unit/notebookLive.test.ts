import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTEBOOK_FORMAT } from '../../src/core/formats/notebookFormat';
import { notebookRuns } from '../../src/core/formats/notebookOutputs';
import { LogIngest } from '../../src/node/logIngest';
import { MAX_OUTPUT_ITEM_BYTES, readOutputItems } from '../../src/node/notebookCellOutputs';
import { hfTableHtml, htmlDisplay, notebookJson } from './notebookFiles';

const encoder = new TextEncoder();
const item = (mime: string, text: string) => ({ mime, data: encoder.encode(text) });
const STDOUT = 'application/vnd.code.notebook.stdout';

test("the notebook API's output items: streams and text displays are decoded, images and errors are not", () => {
  const { outputs, tooLarge } = readOutputItems([
    [item(STDOUT, "{'loss': 2.1, 'epoch': 0.5}\n"), item('application/vnd.code.notebook.stderr', '  5%|▌ | 5/100\r')],
    [item('image/png', 'PNG'), item('text/plain', '<Figure size 640x480>')],
    [item('text/html', '<b>table</b>'), item('application/vnd.jupyter.widget-view+json', '{}')],
    [item('application/vnd.code.notebook.error', '{"name":"KeyError"}')],
  ]);
  assert.equal(tooLarge, 0);
  assert.deepEqual(outputs, [
    { kind: 'stream', mime: 'text/plain', stream: 'stdout', text: "{'loss': 2.1, 'epoch': 0.5}\n" },
    { kind: 'stream', mime: 'text/plain', stream: 'stderr', text: '  5%|▌ | 5/100\r' },
    { kind: 'display', mime: 'text/plain', text: '<Figure size 640x480>' },
    { kind: 'display', mime: 'text/html', text: '<b>table</b>' },
  ]);
});

test('a text output over the limit is left out and counted, not decoded', () => {
  const huge = { mime: STDOUT, data: new Uint8Array(MAX_OUTPUT_ITEM_BYTES + 1) };
  const { outputs, tooLarge } = readOutputItems([[huge], [item(STDOUT, 'ok\n')]]);
  assert.equal(tooLarge, 1);
  assert.deepEqual(outputs, [{ kind: 'stream', mime: 'text/plain', stream: 'stdout', text: 'ok\n' }]);
});

test('printed Trainer dicts arriving one by one: each feed is the same run, one more evaluation', () => {
  const dicts = [
    "{'loss': 2.31, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.5}\n",
    "{'eval_loss': 1.65, 'eval_accuracy': 0.36, 'eval_runtime': 1.2, 'epoch': 1.0}\n",
    "{'eval_loss': 1.72, 'eval_accuracy': 0.41, 'eval_runtime': 1.2, 'epoch': 2.0}\n",
  ];
  const ingest = new LogIngest();
  const path = join(tmpdir(), 'live', 'train.ipynb');
  for (let shown = 1; shown <= dicts.length; shown++) {
    const { outputs } = readOutputItems([dicts.slice(0, shown).map((text) => item(STDOUT, text))]);
    const read = notebookRuns('train.ipynb', [{ index: 2, outputs }]);
    ingest.feedLive(path, NOTEBOOK_FORMAT.id, read.runs, read.problems);
  }
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-3`]);
  assert.deepEqual(ingest.store.snapshot(`${path}#cell-3`)?.metrics.get('eval_accuracy')?.values, [0.36, 0.41]);
  ingest.dispose();
});

test('an open notebook takes the place of its saved file: the same run ids, never both; closed, the file speaks again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-nb-live-'));
  const path = join(dir, 'train.ipynb');
  const columns = ['Step', 'Training Loss', 'Validation Loss', 'Accuracy'];
  writeFileSync(
    path,
    notebookJson([
      { outputs: [] },
      {
        outputs: [
          htmlDisplay(
            hfTableHtml(columns, [
              [10, 2, 1.9, 0.3],
              [20, 1.8, 1.7, 0.35],
            ]),
          ),
        ],
      },
    ]),
  );
  const ingest = new LogIngest();
  await ingest.ingest(path);
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-2`]);
  // The cell runs again in the editor: its table has one row so far, and the saved one is gone from view.
  const live = notebookRuns('train.ipynb', [
    { index: 1, outputs: [{ kind: 'display', mime: 'text/html', text: hfTableHtml(columns, [[10, 2.5, 2.2, 0.2]]) }] },
  ]);
  ingest.feedLive(path, NOTEBOOK_FORMAT.id, live.runs, live.problems);
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-2`]);
  assert.deepEqual(ingest.store.snapshot(`${path}#cell-2`)?.metrics.get('eval_loss'), { steps: [10], values: [2.2] });
  // Saved while open: the disk's read waits.
  await ingest.ingest(path);
  assert.deepEqual(ingest.store.snapshot(`${path}#cell-2`)?.metrics.get('eval_loss'), { steps: [10], values: [2.2] });
  ingest.endLive(path);
  await ingest.ingest(path);
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-2`]);
  assert.deepEqual(ingest.store.snapshot(`${path}#cell-2`)?.metrics.get('eval_loss'), { steps: [10, 20], values: [1.9, 1.7] });
  ingest.dispose();
  rmSync(dir, { recursive: true });
});
