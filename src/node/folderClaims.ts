import { dirname, relative, isAbsolute } from 'node:path';
import { isIgnoredPath } from '../core/logFiles';

/** What identifies a folder whatever path reaches it: its device and inode. */
export interface FolderIdentity {
  readonly dev: number;
  readonly ino: number;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * One real folder is read under one path. Symbolic links are followed, but a folder already reached (by
 * device and inode) under another path is not entered again: `loop -> .` and `up -> ..` would otherwise
 * be read without end, each lap a new copy of every run. The path kept does not depend on the order of
 * discovery wherever the link's target lies inside a watched root: there the real path wins, and the link
 * is skipped. A link to a folder that holds a root (`up -> ..`) is skipped too: it would bring in all that
 * sits beside the root. Only a folder outside every root reached by two links is kept under whichever came
 * first.
 * The claims of one session are shared by its roots, so overlapping roots read a folder once too.
 */
export class FolderClaims {
  private readonly pathById = new Map<string, string>();
  private readonly idByPath = new Map<string, string>();
  /** Paths that are symbolic links (as `lstat` saw them): folders under them are reached through a link. */
  private readonly links = new Set<string>();

  /** `realRoots`: the real paths of the watched roots. */
  constructor(private readonly realRoots: readonly string[]) {}

  markLink(path: string): void {
    this.links.add(path);
  }

  /**
   * True when the folder at `path` is to be read: the first path to claim its identity, and no link to a
   * folder whose real path a root reaches anyway. `realPath` is the folder's real path, needed only where
   * `throughLink(path)` (resolving every folder's would cost a call per folder for nothing).
   */
  admit(path: string, identity: FolderIdentity, realPath?: string): boolean {
    const key = `${identity.dev}:${identity.ino}`;
    const known = this.idByPath.get(path);
    if (known === key) return true;
    const holder = this.pathById.get(key);
    if (holder !== undefined && holder !== path) return false;
    if (this.throughLink(path)) {
      if (realPath === undefined) return false;
      if (realPath !== path && !isIgnoredPath(realPath) && this.realRoots.some((root) => isInside(realPath, root))) return false;
      // A link to a folder that holds a root (`up -> ..`) would read everything beside the root, the root again included.
      if (this.realRoots.some((root) => isInside(root, realPath))) return false;
    }
    // The same path now names another folder (deleted and made again): the old identity is free.
    if (known !== undefined) this.pathById.delete(known);
    this.pathById.set(key, path);
    this.idByPath.set(path, key);
    return true;
  }

  /** The identity last admitted at `path`, as `dev:ino`. */
  identity(path: string): string | undefined {
    return this.idByPath.get(path);
  }

  /** A folder was deleted (or replaced): it and everything under it can be claimed again. */
  release(path: string): void {
    for (const [claimed, key] of this.idByPath) {
      if (!isInside(claimed, path)) continue;
      this.idByPath.delete(claimed);
      if (this.pathById.get(key) === claimed) this.pathById.delete(key);
    }
    for (const link of this.links) if (isInside(link, path)) this.links.delete(link);
  }

  /** True when a link seen on the way leads to `path`. */
  throughLink(path: string): boolean {
    for (let at = path; ; at = dirname(at)) {
      if (this.links.has(at)) return true;
      if (dirname(at) === at) return false;
    }
  }
}

/** What a directory entry that is not a regular file, a folder or a link is, for the note that skips it. */
export function specialFileKind(entry: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string | undefined {
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  return undefined;
}

/** The note for a special file named like a log: opening a FIFO blocks a reading thread until a writer comes, maybe forever. */
export function specialFileMessage(kind: string): string {
  return `Skipped: this is ${kind}, not a regular file; opening it could block reading until something writes to it.`;
}

/** A name that is not valid UTF-8 cannot be given back to the file system as a string path. */
export function invalidNameMessage(kind: 'file' | 'folder' | 'entry'): string {
  return `Skipped: this ${kind}'s name is not valid UTF-8 (the bytes are shown as \\xNN), so it cannot be opened by name; rename it (for example with convmv) to have it read.`;
}

/** `name` decoded as UTF-8 when it is valid, else undefined. */
export function utf8Name(name: Buffer): string | undefined {
  const text = name.toString('utf8');
  return Buffer.from(text, 'utf8').equals(name) ? text : undefined;
}

/** A raw name shown readably: valid UTF-8 characters as they are, every other byte as `\xNN`. */
export function showRawName(name: Buffer): string {
  let shown = '';
  for (let i = 0; i < name.length;) {
    let length = 1;
    while (length <= 4 && i + length <= name.length && utf8Name(name.subarray(i, i + length)) === undefined) length++;
    if (length <= 4 && i + length <= name.length) {
      shown += name.subarray(i, i + length).toString('utf8');
      i += length;
    } else {
      shown += `\\x${(name[i] ?? 0).toString(16).padStart(2, '0').toUpperCase()}`;
      i += 1;
    }
  }
  return shown;
}
