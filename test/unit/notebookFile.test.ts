import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import type { WholeFilePart, WholeFileResult } from '../../src/core/formats/logFormat';
import { parseNotebook } from '../../src/core/formats/notebookFormat';
import { scanIpynb } from '../../src/core/formats/ipynbScan';
import { LogIngest } from '../../src/node/logIngest';
import { reportPaths } from '../../src/node/reportPaths';
import { executeResult, hfTableHtml, hfTrackerHtml, htmlDisplay, imageDisplay, kerasFit, notebookJson, stream, type TestCell } from './notebookFiles';

const encoder = new TextEncoder();
const COLUMNS = ['Step', 'Training Loss', 'Validation Loss', 'Mean Token Accuracy'];

/** Eval loss rising from the third evaluation while token accuracy keeps improving: the phenomenon the extension is for. */
function trainingRows(evaluations: number, offset = 0): (number | string)[][] {
  return Array.from({ length: evaluations }, (_, k) => [
    (k + 1) * 50,
    'No log',
    1.9 - 0.1 * Math.min(k, 2) + 0.05 * Math.max(0, k - 2) + offset,
    0.4 + 0.01 * k,
  ]);
}

const CELLS: readonly TestCell[] = [
  { markdown: true, source: '# Fine-tuning' },
  { source: 'import transformers', outputs: [] },
  { outputs: [stream('Some weights were not initialized\n', 'stderr'), htmlDisplay(hfTrackerHtml(COLUMNS, trainingRows(6)))] },
  { outputs: [stream(kerasFit([{ loss: 0.7, accuracy: 0.5, valLoss: 0.64, valAccuracy: 0.62 }]))] },
  {
    outputs: [
      stream("{'loss': 2.0, 'epoch': 1.0}\n{'eval_loss': 1.9, 'eval_accuracy': 0.3, 'epoch': 1.0}\n"),
      executeResult("{'eval_loss': 1.8, 'epoch': 2.0}"),
    ],
  },
  { outputs: [htmlDisplay(hfTrackerHtml(COLUMNS, trainingRows(3))), htmlDisplay(hfTrackerHtml(COLUMNS, trainingRows(4, 0.5)))] },
];

function ok(result: WholeFileResult): { parts: readonly WholeFilePart[]; problems: readonly string[] } {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.kind}: ${result.message}`);
  return { parts: result.parts ?? [], problems: result.problems };
}

function pointText(part: WholeFilePart): string[] {
  return part.points.map((point) => `${point.key}@${point.step}=${point.value}`);
}

test('a saved notebook: every training read, cells counted with the markdown ones', () => {
  const { parts, problems } = ok(parseNotebook(encoder.encode(notebookJson(CELLS)), '/w/ft.ipynb'));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    parts.map((part) => part.suffix),
    ['cell-3', 'cell-4', 'cell-5', 'cell-6', 'cell-6-2'],
  );
  assert.equal(parts[0]?.runInfo?.name, 'ft.ipynb · cell 3');
  assert.equal(parts[2]?.points.filter((point) => point.key === 'eval_loss').length, 2, 'the printed dict and the returned one');
});

test('a notebook cut anywhere: never a throw; every cell complete before the cut reads as in the whole file, and the cut is said', () => {
  const text = notebookJson(CELLS);
  const bytes = encoder.encode(text);
  const whole = ok(parseNotebook(bytes, '/w/ft.ipynb')).parts;
  // A cell's JSON is complete once the next cell's opening (its `cell_type`) has been written.
  const cellEnds = CELLS.map((_, i) => {
    const next = CELLS[i + 1];
    if (next === undefined) return bytes.length;
    return encoder.encode(text.slice(0, text.lastIndexOf('"cell_type"', text.indexOf(`"id": "${next.markdown === true ? 'm' : 'c'}${i + 1}"`)))).length;
  });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
      const result = parseNotebook(bytes.subarray(0, cut), '/w/ft.ipynb');
      if (result.kind !== 'ok') {
        assert.equal(result.kind, 'incomplete', `cut at ${cut}: ${result.kind}`);
        return;
      }
      assert.ok(
        result.problems.some((problem) => problem.startsWith('The notebook ends before its JSON does')),
        `cut at ${cut} is said`,
      );
      for (const part of result.parts ?? []) {
        const full = whole.find((candidate) => candidate.suffix === part.suffix);
        assert.ok(full !== undefined, `cut at ${cut}: ${part.suffix} is a run of the whole file`);
        const cell = Number(/^cell-(\d+)/.exec(part.suffix)?.[1]) - 1;
        if (cut >= (cellEnds[cell] ?? Infinity)) assert.deepEqual(pointText(part), pointText(full), `cut at ${cut}: ${part.suffix} complete`);
        else for (const point of pointText(part)) assert.ok(pointText(full).includes(point), `cut at ${cut}: ${point} is in the whole file`);
      }
      const complete = whole.filter((part) => cut >= (cellEnds[Number(/^cell-(\d+)/.exec(part.suffix)?.[1]) - 1] ?? Infinity));
      for (const part of complete)
        assert.ok(
          result.parts?.some((candidate) => candidate.suffix === part.suffix),
          `cut at ${cut}: ${part.suffix} kept`,
        );
    }),
    { numRuns: 300 },
  );
});

test('a broken byte: the cells before it are read and the problem says where', () => {
  const text = notebookJson(CELLS);
  const at = text.indexOf('"outputs"', text.indexOf('"id": "c4"'));
  const broken = `${text.slice(0, at)}#${text.slice(at + 1)}`;
  const { parts, problems } = ok(parseNotebook(encoder.encode(broken), '/w/ft.ipynb'));
  assert.deepEqual(
    parts.map((part) => part.suffix),
    ['cell-3', 'cell-4'],
  );
  const byte = encoder.encode(text.slice(0, at)).length;
  assert.match(problems.at(-1) ?? '', new RegExp(`^The notebook's JSON is broken at byte ${byte} .*in cell 5\\): the outputs before were read`));
});

test('where a cut or a break is said: before the first cell, in a cell, after the last', () => {
  const text = notebookJson(CELLS);
  const at = (cut: number): string => {
    const result = parseNotebook(encoder.encode(text.slice(0, cut)), '/w/ft.ipynb');
    return result.kind === 'ok' ? (result.problems.at(-1) ?? '') : result.kind;
  };
  assert.match(at(text.indexOf('[') + 1), /before the first cell\)/);
  assert.match(at(text.indexOf('"id": "c2"')), /in cell 3\)/);
  const metadata = text.indexOf('"metadata": {\n  "kernelspec"');
  assert.ok(metadata > 0);
  assert.match(at(metadata), /after the last cell\)/);
});

test('what is not a notebook: empty is incomplete (being saved), other JSON is invalid, nothing throws', () => {
  assert.equal(parseNotebook(new Uint8Array(0), '/w/a.ipynb').kind, 'incomplete');
  assert.equal(parseNotebook(encoder.encode('  \n'), '/w/a.ipynb').kind, 'incomplete');
  assert.equal(parseNotebook(encoder.encode('{"nbformat": 4, "metadata": {}}'), '/w/a.ipynb').kind, 'invalid');
  assert.equal(parseNotebook(encoder.encode('[1, 2]'), '/w/a.ipynb').kind, 'invalid');
  assert.equal(parseNotebook(encoder.encode('version https://git-lfs.github.com/spec/v1\n'), '/w/a.ipynb').kind, 'invalid');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      assert.ok(['ok', 'incomplete', 'invalid'].includes(parseNotebook(bytes, '/w/a.ipynb').kind));
    }),
    { numRuns: 500 },
  );
});

test('escapes and list-of-lines text decode as JSON says; an image is stepped over, not decoded (its bytes are never even checked)', () => {
  const table = hfTableHtml(['Step', 'Validation Loss'], [[10, 2.5]]).replace('<th>Step</th>', '<th>St\\u0065p</th>');
  const text = notebookJson([{ outputs: [{ output_type: 'display_data', data: { 'image/png': 'IMAGE', 'text/html': 'TABLE' }, metadata: {} }] }])
    .replace('"TABLE"', JSON.stringify(table).replace('St\\\\u0065p', 'St\\u0065p'))
    // Not valid JSON inside the image: a reader that decoded it would stop here.
    .replace('"IMAGE"', '"iVBOR\\q\\u12"');
  const { parts, problems } = ok(parseNotebook(encoder.encode(text), '/w/a.ipynb'));
  assert.deepEqual(problems, []);
  assert.deepEqual(pointText(parts[0] as WholeFilePart), ['eval_loss@10=2.5']);
  const scan = scanIpynb(encoder.encode(text));
  assert.equal(scan.kind, 'cells');
  if (scan.kind === 'cells')
    assert.deepEqual(
      scan.cells[0]?.outputs.map((output) => output.mime),
      ['text/html'],
    );
});

test('a 30 MB notebook of images beside its tables, saved in a folder, is read whole, every training found', async () => {
  const image = 'iVBORw0KGgo'.repeat(Math.ceil((1.6 * 1024 * 1024) / 11));
  const cells: TestCell[] = [];
  for (let i = 0; i < 10; i++) cells.push({ outputs: [imageDisplay(image), htmlDisplay(hfTrackerHtml(COLUMNS, trainingRows(5, i))), imageDisplay(image)] });
  const bytes = encoder.encode(notebookJson(cells));
  assert.ok(bytes.length > 30 * 1024 * 1024, `${bytes.length} bytes`);
  const { parts, problems } = ok(parseNotebook(bytes, '/w/big.ipynb'));
  assert.deepEqual(problems, []);
  assert.equal(parts.length, 10);
  assert.deepEqual(
    parts.map((part) => part.points.filter((point) => point.key === 'eval_loss').length),
    Array.from({ length: 10 }, () => 5),
  );
  // Through the file reader too (the file is read in bounded pieces), as the watcher and the CLI read it.
  const dir = mkdtempSync(join(tmpdir(), 'tal-notebook-big-'));
  try {
    writeFileSync(join(dir, 'big.ipynb'), bytes);
    const report = await reportPaths([dir]);
    assert.deepEqual(report.problems, []);
    assert.equal(report.runs.length, 10);
    assert.deepEqual(report.runs[9]?.metrics['eval_loss']?.steps, [50, 100, 150, 200, 250]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

const CLI = resolve(__dirname, '../../../dist/cli.js');

test('report on a folder with a notebook: one run per training, named in the report; Jupyter checkpoint copies are not read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-notebook-'));
  try {
    const text = notebookJson(CELLS);
    writeFileSync(join(dir, 'ft.ipynb'), text);
    mkdirSync(join(dir, '.ipynb_checkpoints'));
    writeFileSync(join(dir, '.ipynb_checkpoints', 'ft-checkpoint.ipynb'), text);
    const report = await reportPaths([dir]);
    assert.deepEqual(
      report.runs.map((run) => [run.id.slice(dir.length + 1), run.info?.name]),
      [
        ['ft.ipynb#cell-3', 'ft.ipynb · cell 3'],
        ['ft.ipynb#cell-4', 'ft.ipynb · cell 4'],
        ['ft.ipynb#cell-5', 'ft.ipynb · cell 5'],
        ['ft.ipynb#cell-6', 'ft.ipynb · cell 6'],
        ['ft.ipynb#cell-6-2', 'ft.ipynb · cell 6 · training 2'],
      ],
    );
    const table = report.runs[0];
    assert.deepEqual(table?.roles, { evalLoss: 'eval_loss', evalAccuracy: 'eval_mean_token_accuracy', trainLoss: null });
    assert.deepEqual(table?.sources, [{ path: join(dir, 'ft.ipynb'), format: 'jupyter-notebook' }]);
    assert.ok((table?.warnings.length ?? 0) > 0, 'eval loss rising while token accuracy improves is warned of');
    const cli = spawnSync(process.execPath, [CLI, 'report', dir], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    // Named as the panel names them: the run's name, its id beside it.
    assert.match(cli.stdout, /^Run ft\.ipynb · cell 3 \(ft\.ipynb#cell-3\)$/m);
    assert.match(cli.stdout, /^Run ft\.ipynb · cell 6 · training 2 \(ft\.ipynb#cell-6-2\)$/m);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a notebook saved again: a training whose outputs were cleared is no longer a run; the others are read again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-notebook-'));
  try {
    const path = join(dir, 'ft.ipynb');
    writeFileSync(path, notebookJson(CELLS));
    const changed: string[] = [];
    const ingest = new LogIngest((ids) => changed.push(...ids), { retryIncomplete: false });
    await ingest.ingest(path);
    assert.equal(ingest.store.runIds().length, 5);
    changed.length = 0;
    writeFileSync(path, notebookJson([...CELLS.slice(0, 5), { source: 'trainer.train()', outputs: [] }]));
    await ingest.ingest(path);
    assert.deepEqual(
      ingest.store.runIds().map((id) => id.slice(dir.length + 1)),
      ['ft.ipynb#cell-3', 'ft.ipynb#cell-4', 'ft.ipynb#cell-5'],
    );
    assert.deepEqual(changed.sort(), [`${path}#cell-6`, `${path}#cell-6-2`]);
    // Caught mid-save, cut inside cell 4: the runs past the cut are not gone, and come back whole with the rest.
    const text = notebookJson(CELLS);
    writeFileSync(path, text.slice(0, text.indexOf('"id": "c4"')));
    await ingest.ingest(path);
    assert.equal(ingest.store.runIds().length, 3);
    writeFileSync(path, text);
    await ingest.ingest(path);
    assert.equal(ingest.store.runIds().length, 5);
    ingest.dispose();
  } finally {
    rmSync(dir, { recursive: true });
  }
});
