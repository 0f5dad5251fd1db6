// Lines that never end: the cost of reading them must grow with their length, not with its square.
import { CONSOLE_FORMAT } from '../src/core/formats/consoleFormat';
import { LIGHTNING_CSV_FORMAT } from '../src/core/formats/lightningCsvFormat';
import type { AppendOnlyFormat } from '../src/core/formats/logFormat';
import { medianMs, type Row } from './timing';

const CHUNK = 256 * 1024;

function readAll<Cursor>(format: AppendOnlyFormat<Cursor>, bytes: Uint8Array): void {
  let cursor = format.initialCursor;
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    cursor = format.readChunk(cursor, bytes.subarray(offset, offset + CHUNK), '/r/version_0/metrics.csv').cursor;
}

function tqdmBar(bytes: number): Uint8Array {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const redraw = `\r ${i % 100}%|####      | ${i}/100000 [00:10<00:12, 12.3it/s]`;
    parts.push(redraw);
    length += redraw.length;
  }
  return new TextEncoder().encode(parts.join(''));
}

export async function linesBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const line = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x39);
  const csvSmall = await medianMs(3, () => readAll(LIGHTNING_CSV_FORMAT, line(4e6)));
  const csvLarge = await medianMs(3, () => readAll(LIGHTNING_CSV_FORMAT, line(16e6)));
  rows.push([
    'a 16 MB CSV line with no newline, in 256 KiB chunks',
    `${csvLarge.toFixed(0)} ms (4 MB: ${csvSmall.toFixed(0)} ms)`,
    `${(csvLarge / csvSmall).toFixed(2)}× the 4 MB line (4 = linear, 16 = quadratic)`,
  ]);
  const small = tqdmBar(10e6);
  const large = tqdmBar(40e6);
  const tqdmSmall = await medianMs(3, () => readAll(CONSOLE_FORMAT, small));
  const tqdmLarge = await medianMs(3, () => readAll(CONSOLE_FORMAT, large));
  rows.push([
    'a 40 MB tqdm bar (`\\r` redraws, no newline) in a console log',
    `${tqdmLarge.toFixed(0)} ms (10 MB: ${tqdmSmall.toFixed(0)} ms)`,
    `${(tqdmLarge / tqdmSmall).toFixed(2)}× the 10 MB bar (4 = linear, 16 = quadratic)`,
  ]);
  return rows;
}
