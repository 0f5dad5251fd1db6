// The whole-process benchmark's inputs, generated at the sizes (times `scale`): a TensorBoard event
// file as PyTorch's SummaryWriter writes it, a wide JSONL log, a Hugging Face trainer_state.json and a
// workspace of many small JSONL runs. Written straight into buffers: a million events through the test
// fixtures' number arrays would take longer than the benchmark itself.
import { mkdirSync, openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from '../src/core/formats/crc32c';

/** A deterministic pseudo-random stream, so two runs of the benchmark read the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function varint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** One TFRecord: length, its masked CRC, the data, the data's masked CRC. */
function record(out: Buffer, at: number, data: Buffer, dataLength: number): number {
  out.writeUInt32LE(dataLength, at);
  out.writeUInt32LE(0, at + 4);
  out.writeUInt32LE(maskedCrc32c(out, at, at + 8), at + 8);
  data.copy(out, at + 12, 0, dataLength);
  out.writeUInt32LE(maskedCrc32c(out, at + 12, at + 12 + dataLength), at + 12 + dataLength);
  return at + 16 + dataLength;
}

/** `tags` scalars per step, one Event each with a `simple_value` (what `SummaryWriter.add_scalar` writes), after the file-version event. */
export function writeEventFile(path: string, tags: number, steps: number): number {
  const names = Array.from({ length: tags }, (_, i) => Buffer.from(i % 2 === 0 ? `train/metric_${i}` : `eval/metric_${i}`));
  const next = random(13);
  const out = Buffer.alloc(1 << 24);
  const data = Buffer.alloc(256);
  const fd = openSync(path, 'w');
  let size = 0;
  let at = 0;
  const flush = (): void => {
    writeSync(fd, out, 0, at);
    size += at;
    at = 0;
  };
  // Event { wall_time = 1, file_version = 3 }
  data[0] = 0x09;
  data.writeDoubleLE(1.7e9, 1);
  data[9] = 0x1a;
  data[10] = 13;
  data.write('brain.Event:2', 11);
  at = record(out, at, data, 24);
  for (let step = 0; step < steps; step++) {
    for (let t = 0; t < tags; t++) {
      const tag = names[t] as Buffer;
      // Event { wall_time = 1 (double), step = 2 (varint), summary = 5 { value = 1 { tag = 1, simple_value = 2 (float) } } }
      let p = 0;
      data[p++] = 0x09;
      data.writeDoubleLE(1.7e9 + step * 0.25 + t * 1e-3, p);
      p += 8;
      if (step > 0) {
        data[p++] = 0x10;
        p = varint(data, p, step);
      }
      const valueLength = 2 + tag.length + 5;
      data[p++] = 0x2a;
      data[p++] = valueLength + 2;
      data[p++] = 0x0a;
      data[p++] = valueLength;
      data[p++] = 0x0a;
      data[p++] = tag.length;
      tag.copy(data, p);
      p += tag.length;
      data[p++] = 0x15;
      data.writeFloatLE(2 / Math.log(step + 2) + next() * 0.01, p);
      p += 4;
      at = record(out, at, data, p);
      if (at > out.length - 512) flush();
    }
  }
  flush();
  closeSync(fd);
  return size;
}

/** Lines of a wide training log (HF-style keys, a time string, an eval every 50 steps), about 270 bytes each as HF's JSON writers space them. */
export function writeWideJsonl(path: string, lines: number): number {
  const next = random(7);
  const fd = openSync(path, 'w');
  let size = 0;
  let text = '';
  for (let step = 1; step <= lines; step++) {
    const loss = 2 / Math.log(step + 2) + next() * 0.05;
    const record: Record<string, number | string | boolean | null> = {
      step,
      epoch: step / 3700,
      loss,
      grad_norm: 0.5 + next() * 2,
      learning_rate: 5e-5 * (1 - step / lines),
      num_tokens: step * 4096,
      mean_token_accuracy: 0.4 + next() * 0.5,
      tokens_per_second: 16000 + Math.floor(next() * 1000),
      elapsed_time: `0:${String(Math.floor(step / 60) % 60).padStart(2, '0')}:${String(step % 60).padStart(2, '0')}`,
      rank: null,
    };
    if (step % 50 === 0) Object.assign(record, { eval_loss: loss * 1.1, eval_mean_token_accuracy: 0.5 + next() * 0.3 });
    text += JSON.stringify(record).replace(/,"/g, ', "').replace(/":/g, '": ') + '\n';
    if (text.length > 1 << 22) {
      size += writeSync(fd, text);
      text = '';
    }
  }
  size += writeSync(fd, text);
  closeSync(fd);
  return size;
}

/** A trainer_state.json as `Trainer` saves it (indent 2): `entries` logged steps, an eval every 20. */
export function writeTrainerState(path: string, entries: number): number {
  const next = random(11);
  const history: Record<string, number>[] = [];
  for (let i = 1; i <= entries; i++) {
    const step = i * 5;
    const loss = 2 / Math.log(step + 2) + next() * 0.05;
    history.push(
      i % 20 === 0
        ? { epoch: step / 5000, eval_loss: loss * 1.1, eval_mean_token_accuracy: 0.5 + next() * 0.3, eval_runtime: 12.5, step }
        : { epoch: step / 5000, grad_norm: 0.5 + next() * 2, learning_rate: 5e-5 * (1 - i / entries), loss, step },
    );
  }
  const state = {
    best_metric: null,
    best_model_checkpoint: null,
    epoch: entries / 1000,
    global_step: entries * 5,
    log_history: history,
    max_steps: entries * 5,
  };
  const text = JSON.stringify(state, null, 2);
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

/** `runs` folders of one metrics.jsonl each, `points` lines of step and loss with an eval every 100 steps. */
export function writeManyRuns(root: string, runs: number, points: number): number {
  let size = 0;
  for (let run = 0; run < runs; run++) {
    const folder = join(root, `run-${String(run).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    const next = random(run + 1);
    let text = '';
    for (let step = 1; step <= points; step++) {
      const loss = (2 / Math.log(step + 2) + next() * 0.05).toFixed(5);
      text += step % 100 === 0 ? `{"step": ${step}, "loss": ${loss}, "eval_loss": ${loss}}\n` : `{"step": ${step}, "loss": ${loss}}\n`;
    }
    writeFileSync(join(folder, 'metrics.jsonl'), text);
    size += text.length;
  }
  return size;
}
