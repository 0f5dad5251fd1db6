import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { wandbConfigRunInfo } from '../core/formats/wandbConfigFormat';
import { WANDB_HISTORY_FORMAT } from '../core/formats/wandbHistoryFormat';
import { readHandleRange, readRange } from './fileRange';

/**
 * The config Hugging Face's WandbCallback logs (its TrainingArguments) comes right after `wandb.init`: in the
 * first records of the `.wandb` log, before any history row, and in `files/config.yaml` where the SDK writes
 * one (online runs and SDKs before the Go core; wandb 0.30 offline writes none until the run is synced). The
 * log is read in small chunks until the config or a history row shows up, at most HEAD_BYTES.
 */
const CHUNK_BYTES = 64 * 1024;
const HEAD_BYTES = 1 << 20;

function outputDirOf(parameters: Readonly<Record<string, string | number | boolean>> | undefined): string | undefined {
  const value = parameters?.['output_dir'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function historyOutputDir(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    let cursor = WANDB_HISTORY_FORMAT.initialCursor;
    for (let offset = 0; offset < HEAD_BYTES; offset += CHUNK_BYTES) {
      const chunk = await readHandleRange(handle, offset, offset + CHUNK_BYTES);
      const result = WANDB_HISTORY_FORMAT.readChunk(cursor, chunk, path);
      const found = outputDirOf(result.runInfo?.parameters);
      if (found !== undefined) return found;
      cursor = result.cursor;
      if (chunk.length < CHUNK_BYTES || (cursor.seen?.size ?? 0) > 0 || cursor.broken) return undefined;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The `output_dir` a W&B run's config names (as the script gave it: absolute, or relative to its working folder), if any. */
export async function wandbConfigOutputDir(runDirectory: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(runDirectory);
  } catch {
    return undefined;
  }
  const history = names.find((name) => name.endsWith('.wandb'));
  if (history !== undefined) {
    try {
      const found = await historyOutputDir(join(runDirectory, history));
      if (found !== undefined) return found;
    } catch {
      // Unreadable or gone: the config file may still say.
    }
  }
  try {
    const text = new TextDecoder('utf-8').decode(await readRange(join(runDirectory, 'files', 'config.yaml'), 0, HEAD_BYTES));
    const document = parseDocument(text, { logLevel: 'silent' });
    return document.errors.length > 0 ? undefined : outputDirOf(wandbConfigRunInfo(document.toJS()).parameters);
  } catch {
    return undefined;
  }
}
