import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { metaRunName, MLFLOW_METRIC_FORMAT } from '../../src/core/formats/mlflowMetricFormat';
import { classifyLogFile } from '../../src/core/formats/registry';
import { LogIngest } from '../../src/node/logIngest';
import { reportPaths } from '../../src/node/reportPaths';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, readWhole } from './formatHarness';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';

const encoder = new TextEncoder();
const RUN = '/w/mlruns/3/0123456789abcdef0123456789abcdef';
const METRIC_PATH = `${RUN}/metrics/train/loss`;

/** Lines as MLflow's FileStore appends them: `f"{timestamp} {value} {step}\n"`, Python's str(float). */
const LINES = Array.from({ length: 60 }, (_, i) => `${1700000000000 + i * 997} ${i === 7 ? 'nan' : i === 8 ? 'inf' : String(2 / (i + 1))} ${i * 10}`);
const FILE = encoder.encode(LINES.join('\n') + '\n');

test('MLflow metric lines: key from the path (nested folders), ms timestamps as seconds, nan/inf kept, no step means 0', () => {
  const { points, problems } = readWhole(
    MLFLOW_METRIC_FORMAT,
    encoder.encode('1617110643537 3.49 0\n1617110867618 2.94 1\n1617110867700 1e-05\n'),
    METRIC_PATH,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(points, [
    { key: 'train/loss', step: 0, value: 3.49, wallTime: 1617110643.537 },
    { key: 'train/loss', step: 1, value: 2.94, wallTime: 1617110867.618 },
    { key: 'train/loss', step: 0, value: 1e-5, wallTime: 1617110867.7 },
  ]);
  const special = readWhole(MLFLOW_METRIC_FORMAT, FILE, METRIC_PATH).points;
  assert.ok(Number.isNaN(special[7]?.value));
  assert.equal(special[8]?.value, Number.POSITIVE_INFINITY);
  assert.match(readWhole(MLFLOW_METRIC_FORMAT, encoder.encode('12 x 3\n'), METRIC_PATH).problems[0] ?? '', /Line 1 is not/);
});

test('MLflow metric file read in random chunk sizes gives exactly the points of one read', () => {
  assert.equal(readWhole(MLFLOW_METRIC_FORMAT, FILE, METRIC_PATH).points.length, 60);
  assertChunkSizesDoNotMatter(MLFLOW_METRIC_FORMAT, FILE, { maxChunk: 41, path: METRIC_PATH });
});

test('MLflow metric file cut anywhere never throws and keeps every complete line', () => {
  forEveryCut(
    MLFLOW_METRIC_FORMAT,
    FILE,
    (result, cut) => {
      const complete = new TextDecoder().decode(FILE.subarray(0, cut)).split('\n').length - 1;
      assert.equal(result.points.length, complete);
    },
    { path: METRIC_PATH },
  );
});

test('MLflow metric file with a corrupted byte never throws and keeps the lines it did not touch', () => {
  forEveryCorruptedByte(
    MLFLOW_METRIC_FORMAT,
    FILE,
    ({ points }) => {
      assert.ok(points.length >= 58, `only ${points.length} of 60 lines survived one bad byte`);
    },
    { path: METRIC_PATH },
  );
});

test('MLflow paths: metrics (nested), run name files, .trash and experiment files', () => {
  assert.deepEqual(classifyLogFile(METRIC_PATH), { format: 'mlflow-metric', runDirectory: RUN });
  assert.deepEqual(classifyLogFile(`${RUN}/tags/mlflow.runName`), { format: 'mlflow-run-name', runDirectory: RUN });
  assert.deepEqual(classifyLogFile(`${RUN}/meta.yaml`), { format: 'mlflow-run-name', runDirectory: RUN });
  assert.equal(classifyLogFile(`${RUN}/tags/mlflow.user`), undefined);
  assert.equal(classifyLogFile(`${RUN}/params/lr`), undefined);
  assert.equal(classifyLogFile('/w/mlruns/3/meta.yaml'), undefined);
  assert.equal(classifyLogFile('/w/mlruns/.trash/3/0123456789abcdef0123456789abcdef/metrics/loss'), undefined);
  assert.equal(classifyLogFile('/w/notes/3/metrics/loss'), undefined);
  assert.equal(metaRunName("artifact_uri: x\nname: ''\nrun_name: 'bright-owl-7'\nsource_name: ''\n"), 'bright-owl-7');
  assert.equal(metaRunName("name: ''\nsource_name: ''\n"), undefined);
});

/** Every metric file under `root` with its lines as Python splits them: an independent reader of the samples. */
function pythonMetrics(root: string): Array<[string, string, number, number]> {
  const script = [
    'import json, os, sys',
    'out = []',
    'for d, _, files in sorted(os.walk(sys.argv[1])):',
    '    parts = d.split(os.sep)',
    '    if ".trash" in parts or "metrics" not in parts: continue',
    '    i = parts.index("metrics")',
    '    for f in sorted(files):',
    '        key = "/".join(parts[i + 1:] + [f])',
    '        for line in open(os.path.join(d, f)):',
    '            t = line.split()',
    '            out.append([os.sep.join(parts[:i]), key, int(t[2]) if len(t) > 2 else 0, repr(float(t[1]))])',
    'print(json.dumps(out))',
  ].join('\n');
  const rows = JSON.parse(execFileSync('python3', ['-c', script, root], { encoding: 'utf8' })) as Array<[string, string, number, string]>;
  return rows.map(([run, key, step, value]) => [run, key, step, Number(value)]);
}

test('MLflow: every metric line of the real samples is read, as Python reads them', { skip: samplesSkipReason('mlflow') }, async () => {
  const root = join(SAMPLES_DIR, 'mlflow');
  const expected = pythonMetrics(root);
  assert.ok(expected.length >= 20);
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  for (const file of walk(root)) if (classifyLogFile(file) !== undefined) await ingest.ingest(file);
  assert.deepEqual(ingest.problems(), []);
  // The store keeps the last value written for a step, as MLflow's own history does for a repeated step.
  const lastByStep = new Map(expected.map(([run, key, step, value]) => [`${run}|${key}|${step}`, value]));
  for (const [id, value] of lastByStep) {
    const [run = '', key = '', step = ''] = id.split('|');
    const series = ingest.store.snapshot(run)?.metrics.get(key);
    assert.equal(series?.values[series.steps.indexOf(Number(step))], value, id);
  }
  const alson = join(root, 'AlsonYang__study-pytorch', 'mlruns', '1', '8e5d1fe41dcd4cc5ba32921b07f1b7f1');
  assert.equal(ingest.runInfo(alson)?.name, readFileSync(join(alson, 'tags', 'mlflow.runName'), 'utf8').trim());
});

test('MLflow live: lines appended to a metric file arrive; a new nested metric joins the same run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-mlflow-'));
  const run = join(dir, 'mlruns', '0', 'fedcba9876543210fedcba9876543210');
  mkdirSync(join(run, 'metrics', 'eval'), { recursive: true });
  const loss = join(run, 'metrics', 'loss');
  writeFileSync(loss, '1700000000000 2.5 10\n1700000001000 2.');
  const ingest = new LogIngest();
  await ingest.ingest(loss);
  assert.deepEqual(ingest.store.snapshot(run)?.metrics.get('loss'), { steps: [10], values: [2.5] });
  appendFileSync(loss, '25 20\n');
  await ingest.ingest(loss);
  writeFileSync(join(run, 'metrics', 'eval', 'loss'), '1700000002000 3.0 20\n');
  await ingest.ingest(join(run, 'metrics', 'eval', 'loss'));
  const snapshot = ingest.store.snapshot(run);
  assert.deepEqual(snapshot?.metrics.get('loss'), { steps: [10, 20], values: [2.5, 2.25] });
  assert.deepEqual(snapshot?.metrics.get('eval/loss'), { steps: [20], values: [3] });
  rmSync(dir, { recursive: true });
});

test("MLflow: a run's params/ are its parameters, read with its meta.yaml, and again when the folder gains one", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-mlflow-params-'));
  const run = join(dir, 'mlruns', '0', '0123456789abcdef0123456789abcdef');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'meta.yaml'), 'artifact_uri: x\nrun_name: bright-owl-7\nstatus: 1\n');
  const ingest = new LogIngest();
  await ingest.ingest(join(run, 'meta.yaml'));
  assert.deepEqual(ingest.runInfo(run), { name: 'bright-owl-7' });
  mkdirSync(join(run, 'params', 'optimizer'), { recursive: true });
  writeFileSync(join(run, 'params', 'lr'), '0.001');
  writeFileSync(join(run, 'params', 'optimizer', 'name'), 'AdamW');
  await ingest.ingest(join(run, 'meta.yaml'));
  assert.deepEqual(ingest.runInfo(run), { name: 'bright-owl-7', parameters: { lr: '0.001', 'optimizer/name': 'AdamW' } });
  // Only the one meta.yaml is a source of the run, however many params it has.
  assert.deepEqual(
    ingest.store.snapshot(run)?.sources.map((source) => source.path),
    [join(run, 'meta.yaml')],
  );
  ingest.dispose();
  rmSync(dir, { recursive: true });
});

test('MLflow: the real runs carry their params, a failed run with no metrics too', { skip: samplesSkipReason('mlflow') }, async () => {
  const root = join(SAMPLES_DIR, 'mlflow', 'DiegoFabianTondo__DS20_DeepLearning', 'mlruns', '1');
  const document = await reportPaths([root]);
  const failed = join(root, '61dffdd8e8c549208e148ffb9ee57f21');
  const params = Object.fromEntries(readdirSync(join(failed, 'params')).map((name) => [name, readFileSync(join(failed, 'params', name), 'utf8')]));
  assert.equal(Object.keys(params).length, 6);
  assert.deepEqual(document.runs.find((run) => run.id === failed)?.info?.parameters, params);
  assert.ok(document.runs.every((run) => run.info?.parameters?.['model_type'] === 'Multilayer Perceptron'));
});
