import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sidecarSubject } from '../../core/tokens/metadataSidecar';

/**
 * True when `path` is the metadata sidecar of evaluations the ingest reads, judged by the path alone (the
 * watcher decides before it looks at the file): a `metadata.json` where a labels .npy would be read, a
 * `step-N.metadata.json` where `step-N.npz` would be.
 */
export function isEvaluationSidecar(path: string, accepts: (path: string) => boolean): boolean {
  const subject = sidecarSubject(path);
  if (subject === undefined) return false;
  return accepts('npz' in subject ? subject.npz : join(subject.folder, 'labels.npy'));
}

/**
 * The evaluations a sidecar speaks for that are there now. Each is read again when its sidecar is written,
 * changed or deleted: the sidecar is part of the evaluation's identity, so that read scores it anew.
 */
export async function sidecarEvaluations(path: string, accepts: (path: string) => boolean): Promise<string[]> {
  const subject = sidecarSubject(path);
  if (subject === undefined) return [];
  if ('npz' in subject) return accepts(subject.npz) && (await stat(subject.npz).catch(() => undefined))?.isFile() === true ? [subject.npz] : [];
  const { folder } = subject;
  const names = await readdir(folder).catch((): string[] => []);
  return names
    .filter((name) => name.toLowerCase().endsWith('.npy'))
    .map((name) => join(folder, name))
    .filter(accepts);
}
