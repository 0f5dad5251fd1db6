import { parseDocument } from 'yaml';
import { hparamsRunInfo, LIGHTNING_HPARAMS_FORMAT } from '../core/formats/lightningHparamsFormat';
import type { WholeFileFormat } from '../core/formats/logFormat';
import { WholeFileReader } from './logSourceReader';
import type { SourceReader } from './sourceReader';

const decoder = new TextDecoder('utf-8');

/**
 * `hparams.yaml` read whole when it changes. Python-specific tags (`!!python/object:argparse.Namespace`) are
 * unknown to a safe parser: their contents are kept as plain maps rather than failing the file.
 */
const HPARAMS_PARSER: WholeFileFormat = {
  ...LIGHTNING_HPARAMS_FORMAT,
  kind: 'whole',
  parse(bytes) {
    const text = decoder.decode(bytes);
    if (text.trim() === '') return { kind: 'incomplete', message: 'hparams.yaml is empty (it may be being written).' };
    const document = parseDocument(text, { logLevel: 'silent' });
    if (document.errors.length > 0) return { kind: 'incomplete', message: `hparams.yaml is not valid YAML (${document.errors[0]?.message.split('\n')[0] ?? 'parse error'}).` };
    return { kind: 'ok', points: [], problems: [], runInfo: hparamsRunInfo(document.toJS()) };
  },
};

export function lightningHparamsReader(path: string): SourceReader {
  return new WholeFileReader(path, HPARAMS_PARSER);
}
