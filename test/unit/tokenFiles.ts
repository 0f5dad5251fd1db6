/** Evaluation-output files built byte by byte, as numpy and the safetensors library lay them out. */

/** An .npy v1 file of int64 values, as numpy writes it (header padded to 64 bytes). */
export function npyInt64(values: readonly number[]): Uint8Array {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${values.length},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(10 + header.length + values.length * 8);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  bytes.set(new TextEncoder().encode(header), 10);
  new BigInt64Array(bytes.buffer, 10 + header.length).set(values.map(BigInt));
  return bytes;
}

/** A compact safetensors evaluation: labels, predictions and their log-probabilities, aligned; with `sequenceIndex`, the sequence of each token (int32), as the dump helper writes it. */
export function compactSafetensors(
  labels: readonly number[],
  predictions: readonly number[],
  labelLogProbs: readonly number[],
  maxLogProbs: readonly number[],
  sequenceIndex?: readonly number[],
): Uint8Array {
  const n = labels.length;
  const width = sequenceIndex === undefined ? 24 : 28;
  const header = JSON.stringify({
    __metadata__: { causal_shift: 'false' },
    labels: { dtype: 'I64', shape: [n], data_offsets: [0, 8 * n] },
    predictions: { dtype: 'I64', shape: [n], data_offsets: [8 * n, 16 * n] },
    label_logprobs: { dtype: 'F32', shape: [n], data_offsets: [16 * n, 20 * n] },
    max_logprobs: { dtype: 'F32', shape: [n], data_offsets: [20 * n, 24 * n] },
    ...(sequenceIndex === undefined ? {} : { sequence_index: { dtype: 'I32', shape: [n], data_offsets: [24 * n, 28 * n] } }),
  });
  const bytes = new Uint8Array(8 + header.length + width * n);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(new TextEncoder().encode(header), 8);
  const data = 8 + header.length;
  bytes.set(new Uint8Array(BigInt64Array.from(labels.map(BigInt)).buffer), data);
  bytes.set(new Uint8Array(BigInt64Array.from(predictions.map(BigInt)).buffer), data + 8 * n);
  bytes.set(new Uint8Array(Float32Array.from(labelLogProbs).buffer), data + 16 * n);
  bytes.set(new Uint8Array(Float32Array.from(maxLogProbs).buffer), data + 20 * n);
  if (sequenceIndex !== undefined) bytes.set(new Uint8Array(Int32Array.from(sequenceIndex).buffer), data + 24 * n);
  return bytes;
}

/** A safetensors evaluation of [batch, seq] labels and argmax predictions, with no metadata: how it pairs is left to settings or defaults. */
export function predictionsSafetensors(labels: readonly (readonly number[])[], predictions: readonly (readonly number[])[]): Uint8Array {
  const shape = [labels.length, labels[0]?.length ?? 0];
  const n = labels.length * (labels[0]?.length ?? 0);
  const header = JSON.stringify({
    labels: { dtype: 'I64', shape, data_offsets: [0, 8 * n] },
    predictions: { dtype: 'I64', shape, data_offsets: [8 * n, 16 * n] },
  });
  const bytes = new Uint8Array(8 + header.length + 16 * n);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(new TextEncoder().encode(header), 8);
  bytes.set(new Uint8Array(BigInt64Array.from(labels.flat().map(BigInt)).buffer), 8 + header.length);
  bytes.set(new Uint8Array(BigInt64Array.from(predictions.flat().map(BigInt)).buffer), 8 + header.length + 8 * n);
  return bytes;
}
