import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WholeFileFormat } from '../core/formats/logFormat';
import { parseWandbSummary, WANDB_SUMMARY_FORMAT } from '../core/formats/wandbSummaryFormat';
import { WholeFileReader } from './logSourceReader';
import type { ReadOutcome, SourceReader } from './sourceReader';

const decoder = new TextDecoder('utf-8');
const SUMMARY_PARSER: WholeFileFormat = { ...WANDB_SUMMARY_FORMAT, kind: 'whole', parse: (bytes) => parseWandbSummary(decoder.decode(bytes)) };

async function hasHistoryFile(runDirectory: string): Promise<boolean> {
  try {
    return (await readdir(runDirectory)).some((name) => name.endsWith('.wandb'));
  } catch {
    return false;
  }
}

/** Reads `files/wandb-summary.json` whole, unless the run's `.wandb` history is there to give the same numbers. */
export function wandbSummaryReader(path: string): SourceReader {
  const whole = new WholeFileReader(path, SUMMARY_PARSER);
  const runDirectory = dirname(dirname(path));
  return {
    path,
    format: WANDB_SUMMARY_FORMAT.id,
    get modifiedMs() {
      return whole.modifiedMs;
    },
    async read(): Promise<ReadOutcome> {
      return (await hasHistoryFile(runDirectory)) ? { kind: 'not-a-log' } : whole.read();
    },
  };
}
