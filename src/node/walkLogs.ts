import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyLogFile } from '../core/formats/registry';
import { isIgnoredPath } from '../core/logFiles';

/** Every log file under `root` (or `root` itself when it is a file), skipping heavy folders and weights. */
export async function walkLogs(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return classifyLogFile(root) === undefined ? [] : [root];
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (isIgnoredPath(path)) continue;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && classifyLogFile(path) !== undefined) found.push(path);
    }
  }
  return found.sort();
}
