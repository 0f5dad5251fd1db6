import { createInflateRaw } from 'node:zlib';
import { openRegularFile } from '../fileRange';

/** The first `bytes` inflated bytes of a deflated zip member (enough for an .npy header). */
export async function inflateEntryHead(path: string, start: number, compressedSize: number, bytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of inflatedChunks(path, start, compressedSize)) {
    parts.push(chunk);
    total += chunk.length;
    if (total >= bytes) break;
  }
  return new Uint8Array(Buffer.concat(parts).subarray(0, bytes));
}

/**
 * Inflates a deflated zip member as a stream: memory holds one chunk, not the member. The consumer stops it
 * where the member's header says its data ends, however far the compressed bytes would go on inflating.
 */
export async function* inflatedChunks(path: string, start: number, compressedSize: number): AsyncGenerator<Buffer> {
  if (compressedSize <= 0) return;
  const handle = await openRegularFile(path);
  const source = handle.createReadStream({ start, end: start + compressedSize - 1, highWaterMark: 1 << 20 });
  const inflate = createInflateRaw({ chunkSize: 1 << 20 });
  source.pipe(inflate);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } finally {
    source.destroy();
    inflate.destroy();
  }
}
