import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import type { WholeFileFormat } from '../core/formats/logFormat';
import { WANDB_CONFIG_FORMAT, wandbConfigRunInfo } from '../core/formats/wandbConfigFormat';
import { WANDB_HISTORY_FORMAT } from '../core/formats/wandbHistoryFormat';
import { readRange } from './fileRange';
import { WholeFileReader } from './logSourceReader';
import type { ReadOutcome, SourceReader } from './sourceReader';

const decoder = new TextDecoder('utf-8');
/** The run record, which holds a display name the script gave, comes right after the header record. */
const HISTORY_HEAD_BYTES = 64 * 1024;

const CONFIG_PARSER: WholeFileFormat = {
  ...WANDB_CONFIG_FORMAT,
  kind: 'whole',
  parse(bytes) {
    const text = decoder.decode(bytes);
    if (text.trim() === '') return { kind: 'incomplete', message: 'config.yaml is empty (it may be being written).' };
    const document = parseDocument(text, { logLevel: 'silent' });
    if (document.errors.length > 0) return { kind: 'incomplete', message: `config.yaml is not valid YAML (${document.errors[0]?.message.split('\n')[0] ?? 'parse error'}).` };
    return { kind: 'ok', points: [], problems: [], runInfo: wandbConfigRunInfo(document.toJS()) };
  },
};

/** The display name in the run's `.wandb` history, if the script gave one. */
async function historyName(runDirectory: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(runDirectory);
  } catch {
    return undefined;
  }
  const history = names.find((name) => name.endsWith('.wandb'));
  if (history === undefined) return undefined;
  try {
    const head = await readRange(join(runDirectory, history), 0, HISTORY_HEAD_BYTES);
    return WANDB_HISTORY_FORMAT.readChunk(WANDB_HISTORY_FORMAT.initialCursor, head, history).runInfo?.name;
  } catch {
    return undefined;
  }
}

/**
 * Reads `files/config.yaml` whole when it changes. Its `run_name` names the run only when the history
 * names it not: a name given to `wandb.init` wins, whichever file is read last.
 */
export function wandbConfigReader(path: string): SourceReader {
  const whole = new WholeFileReader(path, CONFIG_PARSER);
  const runDirectory = dirname(dirname(path));
  return {
    path,
    format: WANDB_CONFIG_FORMAT.id,
    get modifiedMs() {
      return whole.modifiedMs;
    },
    async read(): Promise<ReadOutcome> {
      const outcome = await whole.read();
      if (outcome.kind !== 'points' || outcome.runInfo?.name === undefined) return outcome;
      const named = await historyName(runDirectory);
      return named === undefined ? outcome : { ...outcome, runInfo: { name: named, ...(outcome.runInfo.parameters === undefined ? {} : { parameters: outcome.runInfo.parameters }) } };
    },
  };
}
