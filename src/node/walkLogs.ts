import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyLogFile } from '../core/formats/registry';
import { isIgnoredPath } from '../core/logFiles';
import type { Problem } from '../core/types';
import { FolderClaims, invalidNameMessage, showRawName, specialFileKind, specialFileMessage, utf8Name } from './folderClaims';

/** Which paths are logs and which are not looked at: the registry's formats, or a session's (its settings). */
export interface LogFilter {
  accepts(path: string): boolean;
  ignores(path: string): boolean;
}

const DEFAULT_FILTER: LogFilter = { accepts: (path) => classifyLogFile(path) !== undefined, ignores: (path) => isIgnoredPath(path) };

/**
 * Every log file under `root` (or `root` itself when it is a file), skipping heavy folders and weights.
 * Each folder is listed once. Links are followed, each real folder entered once (see FolderClaims); named
 * pipes, sockets and devices named like logs, and names that are not UTF-8, are never opened but given to
 * `onNote`, so nothing disappears silently. Folders are visited in name order: the same tree always gives
 * the same paths.
 */
export async function walkLogs(root: string, onNote: (problem: Problem) => void = () => undefined, logs: LogFilter = DEFAULT_FILTER): Promise<string[]> {
  const info = await stat(root);
  if (!info.isDirectory()) {
    const kind = specialFileKind(info);
    if (kind !== undefined && logs.accepts(root)) onNote({ path: root, message: specialFileMessage(kind) });
    return info.isFile() && logs.accepts(root) ? [root] : [];
  }
  const claims = new FolderClaims([await realpath(root)]);
  claims.admit(root, info);
  const found: string[] = [];
  const pending = [root];
  // The next LIST_AHEAD folders to visit are listed ahead, as the stats are (see STAT_WINDOW). A listing waits
  // until its folder's turn: at most LIST_AHEAD of them for each level of the tree walked down.
  const listed = new Map<string, Promise<Dirent<Buffer>[] | undefined>>();
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    for (let k = pending.length - 1; k >= Math.max(0, pending.length - LIST_AHEAD); k--) {
      const next = pending[k] as string;
      if (!listed.has(next)) listed.set(next, listing(next));
    }
    const entries = await (listed.get(directory) ?? listing(directory));
    listed.delete(directory);
    if (entries === undefined) continue;
    const folders: string[] = [];
    // Each entry's path once, undefined where its name is not UTF-8 (noted) or the filter ignores it.
    const named = entries
      .sort((a, b) => Buffer.compare(a.name, b.name))
      .map((entry) => {
        const name = utf8Name(entry.name);
        if (name === undefined) {
          onNote({
            path: join(directory, showRawName(entry.name)),
            message: invalidNameMessage(entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'entry'),
          });
          return { entry, path: undefined };
        }
        const path = join(directory, name);
        return { entry, path: logs.ignores(path) ? undefined : path };
      });
    // The stats of a window of sub-folders are asked for together and taken in name order: one at a time, a
    // folder of 1,000 runs waited on 1,000 round trips to libuv's threads before its first log was read.
    let folderStats: (Promise<Stats | undefined> | undefined)[] = [];
    for (const [index, { entry, path }] of named.entries()) {
      if (index % STAT_WINDOW === 0)
        folderStats = named
          .slice(index, index + STAT_WINDOW)
          .map((next) => (next.path !== undefined && next.entry.isDirectory() ? stat(next.path).catch(() => undefined) : undefined));
      if (path === undefined) continue;
      if (entry.isSymbolicLink()) {
        claims.markLink(path);
        const target = await stat(path).catch(() => undefined);
        if (target === undefined) continue;
        if (target.isDirectory()) {
          if (claims.admit(path, target, await realpath(path).catch(() => undefined))) folders.push(path);
        } else if (target.isFile()) {
          if (logs.accepts(path)) found.push(path);
        } else noteSpecial(path, target, logs, onNote);
      } else if (entry.isDirectory()) {
        const folder = await folderStats[index % STAT_WINDOW];
        if (folder === undefined) continue;
        // Under a link, a folder's real path tells whether a root reaches it anyway.
        const real = claims.throughLink(path) ? await realpath(path).catch(() => undefined) : undefined;
        if (claims.admit(path, folder, real)) folders.push(path);
      } else if (entry.isFile()) {
        if (logs.accepts(path)) found.push(path);
      } else noteSpecial(path, entry, logs, onNote);
    }
    // Last pushed, first visited: reversed, the folders are visited in name order.
    pending.push(...folders.reverse());
  }
  return found.sort();
}

/** Sub-folders whose stats are asked for at once, and folders listed ahead of their visit. */
const STAT_WINDOW = 32;
const LIST_AHEAD = 8;

/** A folder's entries, undefined when it cannot be listed (the walk goes on without it). */
function listing(directory: string): Promise<Dirent<Buffer>[] | undefined> {
  return readdir(directory, { withFileTypes: true, encoding: 'buffer' }).catch(() => undefined);
}

function noteSpecial(path: string, entry: Parameters<typeof specialFileKind>[0], logs: LogFilter, onNote: (problem: Problem) => void): void {
  const kind = specialFileKind(entry);
  if (kind !== undefined && logs.accepts(path)) onNote({ path, message: specialFileMessage(kind) });
}
