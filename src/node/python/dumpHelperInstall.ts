import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DUMP_HELPER_NAME = 'token_accuracy_lens_dump.py';

/** What happened to the copy: written anew, replaced with the user's consent, already the same, or left as it was. */
export type InstallOutcome = 'written' | 'replaced' | 'unchanged' | 'kept';

async function existing(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Copies the dump helper into `targetDir`. A file of that name already there is replaced only when
 * `confirmReplace` says so (it is asked only when the contents differ); anything but a regular file (a
 * folder, a link that could point anywhere) is refused. The copy appears whole: written beside and renamed.
 */
export async function installDumpHelper(
  source: string,
  targetDir: string,
  confirmReplace: (path: string) => Promise<boolean>,
): Promise<{ outcome: InstallOutcome; path: string }> {
  const helper = await readFile(source);
  const path = join(targetDir, DUMP_HELPER_NAME);
  const stats = await existing(path);
  if (stats !== undefined) {
    if (!stats.isFile()) throw new Error(`${path} exists and is not a regular file; nothing was written.`);
    // Compared only when the sizes match: the file there is read no further than the helper's own size.
    if (stats.size === helper.length && (await readFile(path)).equals(helper)) return { outcome: 'unchanged', path };
    if (!(await confirmReplace(path))) return { outcome: 'kept', path };
  }
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, helper, { flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return { outcome: stats === undefined ? 'written' : 'replaced', path };
}
