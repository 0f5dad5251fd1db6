import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { ReportDocument } from '../../src/core/report';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { LogIngest } from '../../src/node/logIngest';
import { reportPaths } from '../../src/node/reportPaths';
import { RunSession } from '../../src/node/runSession';
import { unverifiedProblems } from '../../src/node/tokens/resolvedEvaluations';
import { EvalCache } from '../../src/node/tokens/evalCache';
import { computeEvalFile } from '../../src/node/tokens/evalFileStats';
import { EvaluationContext, type EvalOutputsConfig } from '../../src/node/tokens/evaluationContext';
import { trainerStateText } from './helpers';
import { waitFor } from './sessionWait';

const root = mkdtempSync(join(tmpdir(), 'tal-pairing-'));
after(() => rmSync(root, { recursive: true, force: true }));
const REPO = resolve(__dirname, '../../..');
const workerScript = join(REPO, 'dist/evalWorker.js');

/** An .npy v1 file as numpy writes it: header padded so the data starts at a multiple of 64. */
function npy(descr: '<i8' | '<f4', shape: readonly number[], data: BigInt64Array | Float32Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(10 + header.length + data.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  bytes.set(new TextEncoder().encode(header), 10);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return bytes;
}

const [SEQUENCES, LENGTH, VOCAB] = [12, 20, 24];

/**
 * A dump of a model that is right about 40% of the time with confident logits: `shifted` false writes the
 * logits at t for the label at t (a seq2seq model, many hand-written dumps), true for the label at t + 1
 * (Hugging Face's causal LM). The last 3 positions of every sequence are padding (-100). Returns the true
 * accuracy and mean NLL, in float64 from the float32 logits written.
 */
function writeDump(folder: string, shifted: boolean): { accuracy: number; meanNll: number } {
  let seed = 12345;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const labels = new BigInt64Array(SEQUENCES * LENGTH);
  for (let i = 0; i < labels.length; i++) labels[i] = i % LENGTH >= LENGTH - 3 ? -100n : BigInt(Math.floor(random() * VOCAB));
  const logits = new Float32Array(SEQUENCES * LENGTH * VOCAB);
  let right = 0;
  let nll = 0;
  let scored = 0;
  for (let row = 0; row < SEQUENCES * LENGTH; row++) {
    const target = shifted ? (row % LENGTH === LENGTH - 1 ? undefined : row + 1) : row;
    const label = target === undefined ? -100 : Number(labels[target]);
    const hot = label >= 0 && random() < 0.4 ? label : Math.floor(random() * VOCAB);
    for (let v = 0; v < VOCAB; v++) logits[row * VOCAB + v] = random() * 0.5 + (v === hot ? 4 : 0);
    if (label < 0) continue;
    const values = Array.from(logits.subarray(row * VOCAB, (row + 1) * VOCAB));
    const max = Math.max(...values);
    const logPartition = max + Math.log(values.reduce((sum, value) => sum + Math.exp(value - max), 0));
    nll += logPartition - (values[label] as number);
    if (values.indexOf(max) === label) right++;
    scored++;
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'labels.npy'), npy('<i8', [SEQUENCES, LENGTH], labels));
  writeFileSync(join(folder, 'logits.npy'), npy('<f4', [SEQUENCES, LENGTH, VOCAB], logits));
  return { accuracy: right / scored, meanNll: nll / scored };
}

/** How the next report reads evaluation outputs: its own cache folder, the bundled worker where built. */
let settings: Partial<EvalOutputsConfig> = {};
function configure(cache: string, options = {}): void {
  settings = { options, cacheDirectory: join(root, cache), workerScript: existsSync(workerScript) ? workerScript : undefined };
}

const close = (actual: number | null | undefined, expected: number, tolerance: number, what: string): void =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} against ${expected}`);

test('aligned .npy dumps without metadata get their true accuracy, decided by the logged eval_loss', async () => {
  const run = join(root, 'aligned');
  const truth = writeDump(join(run, 'eval_outputs', 'step-100'), false);
  // The trainer's own number is a little off the per-token mean (127/128, as transformers 5.x logs GPT-2's).
  writeFileSync(join(run, 'trainer_state.json'), trainerStateText([{ eval_loss: (truth.meanNll * 127) / 128, step: 100 }]));
  configure('cache-aligned');
  const report = (await reportPaths([run], settings)).runs.find((candidate) => candidate.id === run) ?? assert.fail('the run is reported');
  assert.ok(truth.accuracy > 0.3, `the dump is right ${truth.accuracy} of the time`);
  assert.equal(report.roles.evalAccuracy, COMPUTED_KEYS.accuracy, 'the computed accuracy is the run’s');
  assert.deepEqual(report.metrics[COMPUTED_KEYS.accuracy]?.steps, [100]);
  close(report.metrics[COMPUTED_KEYS.accuracy]?.values[0], truth.accuracy, 1e-12, 'accuracy');
  const [evaluation] = report.evaluations ?? [];
  assert.equal(evaluation?.status, 'decided');
  assert.deepEqual(evaluation?.pairing, {
    form: 'logits',
    causalShift: false,
    causalShiftSource: 'logged-loss',
    ignoreIndex: -100,
    ignoreIndexSource: 'default',
  });
  const [check] = evaluation?.pairingCheck?.comparisons ?? [];
  assert.equal(check?.against, 'logged-loss');
  assert.equal(check?.key, 'eval_loss');
  assert.equal(check?.agrees, 'aligned');
  close(check?.aligned, truth.meanNll, 1e-4, 'aligned mean NLL');
  close(evaluation?.accuracy, truth.accuracy, 1e-12, 'the accuracy of the pairing used');
  close(evaluation?.pairings?.aligned.meanNll, truth.meanNll, 1e-4, 'both pairings listed');
  assert.ok((check?.shifted ?? 0) > 1.5 * (check?.logged ?? Infinity), `the shifted pairing is far off: ${check?.shifted} against ${check?.logged}`);
  assert.match(
    evaluation?.pairingCheck?.reason ?? '',
    /^Paired aligned \(no shift\), decided by the logged eval_loss: the shifted pairing's mean NLL is .* \(\d\.\d\d× the logged value\), the aligned one's .* \(\+0\.8%\)/,
  );

  // Read again, the result comes back from the cache with both pairings intact.
  const again = (await reportPaths([run], settings)).runs.find((candidate) => candidate.id === run);
  assert.deepEqual(again?.evaluations, report.evaluations);
});

test('the same dumps without a logged loss are unverified: shown so, never the run’s accuracy, and a problem says how to settle it', async () => {
  const run = join(root, 'bare');
  const truth = writeDump(join(run, 'eval_outputs', 'step-100'), false);
  writeFileSync(join(run, 'trainer_state.json'), trainerStateText([{ loss: 2.5, step: 50 }]));
  configure('cache-bare');
  const document = await reportPaths([run], settings);
  const report = document.runs.find((candidate) => candidate.id === run) ?? assert.fail();
  assert.equal(report.metrics[COMPUTED_KEYS.accuracy], undefined);
  assert.equal(report.roles.evalAccuracy, null);
  assert.equal(report.best.byAccuracy, null);
  const [evaluation] = report.evaluations ?? [];
  assert.equal(evaluation?.status, 'unverified');
  assert.equal(evaluation?.pairing.causalShiftSource, 'undecided');
  assert.equal(evaluation?.accuracy, null);
  close(evaluation?.pairings?.aligned.accuracy, truth.accuracy, 1e-12, 'the aligned pairing, listed but not claimed');
  assert.ok((evaluation?.pairings?.shifted.accuracy ?? 1) < 0.15, 'the shifted pairing of an aligned dump is near chance');
  const problem = document.problems.find((candidate) => candidate.path === evaluation?.path);
  assert.doesNotMatch(problem?.message ?? '', /Rescan/, 'a sidecar written later is read without a rescan');
  assert.match(
    problem?.message ?? '',
    /logs no eval loss or accuracy at this step.*metadata\.json beside the arrays.*tokenAccuracyLens\.evalOutputs\.causalShift.*report --causal-shift yes\|no/,
  );
  // The extension's panel lists the same problem beside the files it could not read.
  const evaluations = new EvaluationContext(settings);
  const ingest = new LogIngest(undefined, { retryIncomplete: true, evaluations });
  for (const file of [join(run, 'trainer_state.json'), join(run, 'eval_outputs', 'step-100', 'labels.npy')]) await ingest.ingest(file);
  assert.deepEqual(unverifiedProblems(ingest.store, evaluations.outputs), [problem]);
  ingest.dispose();
  await evaluations.dispose();
});

test('a sidecar written, or deleted, beside a watched dump settles, or reopens, its pairing without a rescan', async () => {
  const run = join(root, 'live-sidecar');
  const folder = join(run, 'eval_outputs', 'step-100');
  const truth = writeDump(folder, false);
  writeFileSync(join(run, 'trainer_state.json'), trainerStateText([{ loss: 2.5, step: 50 }]));
  configure('cache-live-sidecar');
  const session = new RunSession(() => undefined, new Map(), settings);
  const evaluation = () => {
    const snapshot = session.store.snapshot(run);
    return snapshot === undefined ? undefined : session.resolve(snapshot).evaluations[0];
  };
  try {
    await session.watch([run]);
    // An evaluation left unverified adds no points, yet the session reports it read: the panel shows it and its problem.
    await waitFor(session, () => evaluation()?.status === 'unverified');
    assert.equal(session.unverifiedProblems().length, 1);
    // Past the watcher's trailing read of the labels, so that only the sidecar's own event can bring it in.
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(join(folder, 'metadata.json'), '{"causal_shift": false}');
    await waitFor(session, () => evaluation()?.status === 'decided');
    assert.deepEqual(evaluation()?.pairing, {
      form: 'logits',
      causalShift: false,
      causalShiftSource: 'metadata',
      ignoreIndex: -100,
      ignoreIndexSource: 'default',
    });
    const snapshot = session.store.snapshot(run) ?? assert.fail();
    close(session.resolve(snapshot).run.metrics.get(COMPUTED_KEYS.accuracy)?.values[0], truth.accuracy, 1e-12, 'the run’s computed accuracy');
    assert.deepEqual(session.unverifiedProblems(), []);

    rmSync(join(folder, 'metadata.json'));
    await waitFor(session, () => evaluation()?.status === 'unverified');
    assert.equal(
      session.resolve(session.store.snapshot(run) ?? assert.fail()).run.metrics.get(COMPUTED_KEYS.accuracy),
      undefined,
      'no longer the run’s accuracy',
    );
    assert.equal(session.unverifiedProblems().length, 1);
  } finally {
    await session.dispose();
  }
});

test('a refused cache folder is said once, in the report and the session, and the evaluations are still scored', async () => {
  const run = join(root, 'refused-cache');
  for (const step of [100, 200]) {
    writeDump(join(run, 'eval_outputs', `step-${step}`), false);
    writeFileSync(join(run, 'eval_outputs', `step-${step}`, 'metadata.json'), '{"causal_shift": false}');
  }
  // A link to a folder: the cache never follows one (another user could point it anywhere).
  mkdirSync(join(root, 'real-cache'));
  symlinkSync(join(root, 'real-cache'), join(root, 'linked-cache'));
  configure('linked-cache');
  const expected = [
    {
      path: join(root, 'linked-cache'),
      message: `The evaluation cache folder ${join(root, 'linked-cache')} is not a folder (a link or a file): the cache is not used.`,
    },
  ];
  const document = await reportPaths([run], settings);
  assert.deepEqual(document.problems, expected);
  assert.deepEqual(document.runs[0]?.metrics[COMPUTED_KEYS.accuracy]?.steps, [100, 200], 'both scored without the cache');

  const session = new RunSession(() => undefined, new Map(), settings);
  try {
    await session.watch([run]);
    await waitFor(session, () => session.store.snapshot(run)?.metrics.get(COMPUTED_KEYS.accuracy)?.steps.length === 2);
    assert.deepEqual(session.problems(), expected);
  } finally {
    await session.dispose();
  }
});

test('shifted dumps without metadata are decided shifted by the logged loss', async () => {
  const run = join(root, 'shifted');
  const truth = writeDump(join(run, 'eval_outputs', 'step-100'), true);
  writeFileSync(join(run, 'trainer_state.json'), trainerStateText([{ eval_loss: truth.meanNll, step: 100 }]));
  configure('cache-shifted');
  const report = (await reportPaths([run], settings)).runs.find((candidate) => candidate.id === run) ?? assert.fail();
  close(report.metrics[COMPUTED_KEYS.accuracy]?.values[0], truth.accuracy, 1e-12, 'accuracy');
  assert.deepEqual(report.evaluations?.[0]?.pairing, {
    form: 'logits',
    causalShift: true,
    causalShiftSource: 'logged-loss',
    ignoreIndex: -100,
    ignoreIndexSource: 'default',
  });
});

test('a metadata.json beside the arrays settles the pairing and the ignore index; it is never read as an evaluation', async () => {
  const run = join(root, 'sidecar');
  const folder = join(run, 'eval_outputs', 'step-100');
  const truth = writeDump(folder, false);
  writeFileSync(join(folder, 'metadata.json'), JSON.stringify({ causal_shift: false, ignore_index: -100, producer: 'by hand' }));
  configure('cache-sidecar');
  const document = await reportPaths([run], settings);
  const report = document.runs.find((candidate) => candidate.id === run) ?? assert.fail();
  close(report.metrics[COMPUTED_KEYS.accuracy]?.values[0], truth.accuracy, 1e-12, 'accuracy');
  assert.deepEqual(report.evaluations?.[0]?.pairing, {
    form: 'logits',
    causalShift: false,
    causalShiftSource: 'metadata',
    ignoreIndex: -100,
    ignoreIndexSource: 'metadata',
  });
  assert.equal(report.evaluations?.[0]?.pairingCheck, undefined, 'nothing left to check');
  assert.deepEqual(
    report.sources.map((source) => source.path),
    [join(folder, 'labels.npy')],
  );
  assert.deepEqual(document.problems, []);

  // A sidecar rewritten is read again (it is part of the cached result's identity); a broken one is a problem.
  writeFileSync(join(folder, 'metadata.json'), '{"causal_shift": "maybe"}');
  const broken = await reportPaths([run], settings);
  assert.match(
    broken.problems.find((problem) => problem.path === join(folder, 'labels.npy'))?.message ?? '',
    /metadata\.json: "causal_shift" is "maybe"; it must be true or false\./,
  );
});

test('step-N.metadata.json beside an .npz is its metadata', async () => {
  const outputs = join(root, 'npz', 'eval_outputs');
  const folder = join(root, 'npz-parts');
  writeDump(folder, false);
  // An .npz of the same arrays (zip, stored), built by hand: the sidecar beside it says they are aligned.
  const zip = storedZip([
    ['labels.npy', readBytes(join(folder, 'labels.npy'))],
    ['logits.npy', readBytes(join(folder, 'logits.npy'))],
  ]);
  mkdirSync(outputs, { recursive: true });
  writeFileSync(join(outputs, 'step-7.npz'), zip);
  writeFileSync(join(outputs, 'step-7.metadata.json'), '{"causal_shift": "false", "ignore_index": -100}');
  const result = await computeEvalFile(join(outputs, 'step-7.npz'), {});
  if ('error' in result) assert.fail(result.error);
  assert.equal(result.pairing.causalShiftSource, 'metadata');
  assert.equal(result.aligned, undefined, 'decided by its metadata: one pairing scored');
  assert.equal(result.sequences?.ids.length, SEQUENCES, 'its [batch, seq] shape gives the sequences');
});

test('report --causal-shift no settles bare dumps from the command line; --ignore-index is used where metadata is silent', () => {
  const run = join(root, 'flags');
  const truth = writeDump(join(run, 'eval_outputs', 'step-100'), false);
  const cli = join(REPO, 'dist/cli.js');
  const run_ = (args: string[]): ReportDocument =>
    JSON.parse(
      execFileSync(process.execPath, [cli, 'report', run, '--json', ...args], { encoding: 'utf8', env: { ...process.env, TMPDIR: root } }),
    ) as ReportDocument;
  const settled = run_(['--causal-shift', 'no', '--ignore-index=-100']).runs[0];
  assert.deepEqual(settled?.evaluations?.[0]?.pairing, {
    form: 'logits',
    causalShift: false,
    causalShiftSource: 'setting',
    ignoreIndex: -100,
    ignoreIndexSource: 'setting',
  });
  close(settled?.metrics[COMPUTED_KEYS.accuracy]?.values[0], truth.accuracy, 1e-12, 'accuracy');
  assert.equal(run_(['--causal-shift', 'auto']).runs[0]?.evaluations?.[0]?.status, 'unverified');
  assert.throws(
    () => execFileSync(process.execPath, [cli, 'report', run, '--causal-shift', 'maybe'], { stdio: 'pipe' }),
    /--causal-shift takes yes, no or auto, not "maybe"/,
  );
});

test('scoring progress covers the temperature fit’s passes: it only grows and reaches 1 when they are done', async () => {
  const folder = join(root, 'progress', 'eval_outputs', 'step-5');
  writeDump(folder, false);
  writeFileSync(join(folder, 'metadata.json'), '{"causal_shift": false}');
  const seen: number[] = [];
  // Chunks of 3 rows: each pass reports many times.
  const result = await computeEvalFile(join(folder, 'labels.npy'), { chunkBytes: 3 * VOCAB * 4 }, (fraction) => seen.push(fraction));
  if ('error' in result) assert.fail(result.error);
  // Passes read again only the rows whose moments were not certified at a candidate T: often none.
  const passes = result.summary.logits?.temperature?.passes ?? 0;
  assert.equal(result.summary.logits?.temperature?.method, 'exact');
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) >= (seen[i - 1] as number), `progress went back: ${seen.join(', ')}`);
  assert.equal(seen.at(-1), 1);
  assert.equal(seen.filter((fraction) => fraction >= 1).length, 1, 'done once, at the end');
  assert.ok(seen.filter((fraction) => fraction > 0.9 && fraction < 1).length >= passes, 'every temperature pass is reported');
});

/** A cached pairing with its records read back from their file, in place of the source that reads them. */
async function withRecordsRead<T extends { readonly recordsSource?: { load(): Promise<unknown> } }>(pairing: T): Promise<Omit<T, 'recordsSource'>> {
  const { recordsSource, ...rest } = pairing;
  const records = await recordsSource?.load();
  return { ...rest, ...(records === undefined ? {} : { records }) };
}

test('the cache keeps both pairings of an undecided evaluation, bit for bit, each with its own records file', async () => {
  const folder = join(root, 'cached', 'eval_outputs', 'step-3');
  writeDump(folder, false);
  const result = await computeEvalFile(join(folder, 'labels.npy'), {});
  if ('error' in result) assert.fail(result.error);
  const cache = new EvalCache(join(root, 'cache-direct'));
  const labels = statSync(join(folder, 'labels.npy'));
  const files = [{ path: join(folder, 'labels.npy'), size: labels.size, mtimeMs: labels.mtimeMs, ino: labels.ino }];
  await cache.set('key', files, result);
  const read = await cache.get('key', files);
  assert.ok(read?.aligned !== undefined);
  assert.deepEqual({ ...(await withRecordsRead(read)), aligned: await withRecordsRead(read.aligned) }, result);
});

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** A zip archive of stored (uncompressed) members, as np.savez writes them. */
function storedZip(members: readonly [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const local = new Uint8Array(30 + nameBytes.length);
    const view = new DataView(local.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, 20, true);
    view.setUint32(14, crc, true);
    view.setUint32(18, data.length, true);
    view.setUint32(22, data.length, true);
    view.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const entry = new Uint8Array(46 + nameBytes.length);
    const entryView = new DataView(entry.buffer);
    entryView.setUint32(0, 0x02014b50, true);
    entryView.setUint16(4, 20, true);
    entryView.setUint16(6, 20, true);
    entryView.setUint32(16, crc, true);
    entryView.setUint32(20, data.length, true);
    entryView.setUint32(24, data.length, true);
    entryView.setUint16(28, nameBytes.length, true);
    entryView.setUint32(42, offset, true);
    entry.set(nameBytes, 46);
    parts.push(local, data);
    central.push(entry);
    offset += local.length + data.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = new Uint8Array(22);
  const endView = new DataView(end.buffer);
  endView.setUint32(0, 0x06054b50, true);
  endView.setUint16(8, members.length, true);
  endView.setUint16(10, members.length, true);
  endView.setUint32(12, centralSize, true);
  endView.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const bytes = new Uint8Array(all.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of all) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
