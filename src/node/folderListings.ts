import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';

export type EntryKind = 'file' | 'directory' | 'link' | 'other';

/** How many folders' listings are kept: enough for every run folder of a scan's working set, bounded whatever the tree. */
const KEPT_LISTINGS = 512;

interface Listing {
  readonly entries: Map<string, EntryKind>;
  /** Names that match a pattern asked for, by the pattern's source: kept up to date, so no question scans every name twice. */
  readonly matches: Map<string, { readonly pattern: RegExp; readonly names: Set<string> }>;
}

function kindOf(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : entry.isSymbolicLink() ? 'link' : 'other';
}

/**
 * Folder listings shared by the plans of one ingest: a plan looks at what sits beside a log (a
 * trainer_state.json, checkpoint folders, a W&B history), and 10,000 logs in one folder, each listing it and
 * scanning every name, made a scan quadratic. Each folder is listed once, and each question (names matching a
 * pattern) answered from a set kept up to date; what appears or goes later is told (`saw`, `gone`) by the
 * watcher and by the ingest as it meets new files, so the listings stay true without listing again.
 */
export class FolderListings {
  private readonly listings = new Map<string, Promise<Listing>>();

  private listing(folder: string): Promise<Listing> {
    let listing = this.listings.get(folder);
    if (listing === undefined) {
      listing = readdir(folder, { withFileTypes: true }).then(
        (entries) => ({ entries: new Map(entries.map((entry) => [entry.name, kindOf(entry)])), matches: new Map() }),
        () => ({ entries: new Map(), matches: new Map() }),
      );
      this.listings.set(folder, listing);
      if (this.listings.size > KEPT_LISTINGS) this.listings.delete(this.listings.keys().next().value as string);
    }
    return listing;
  }

  /** The names in `folder` that match `pattern` (which must not be global or sticky: it is tested name by name). */
  async matching(folder: string, pattern: RegExp): Promise<readonly string[]> {
    const listing = await this.listing(folder);
    const key = `${pattern.source}/${pattern.flags}`;
    let match = listing.matches.get(key);
    if (match === undefined) {
      match = { pattern, names: new Set([...listing.entries.keys()].filter((name) => pattern.test(name))) };
      listing.matches.set(key, match);
    }
    return [...match.names];
  }

  /** True when `path` is a regular file (a link is followed). */
  async isFile(path: string): Promise<boolean> {
    const kind = (await this.listing(dirname(path))).entries.get(basename(path));
    if (kind !== 'link') return kind === 'file';
    return stat(path).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  /** `path` exists (a file or folder): it is added to its folder's listing, and each folder on the way to its own. */
  saw(path: string, kind: EntryKind): void {
    for (let at = path, atKind = kind; dirname(at) !== at; at = dirname(at), atKind = 'directory') {
      const name = basename(at);
      const entryKind = atKind;
      void this.listings.get(dirname(at))?.then((listing) => {
        if (listing.entries.has(name)) return;
        listing.entries.set(name, entryKind);
        for (const { pattern, names } of listing.matches.values()) if (pattern.test(name)) names.add(name);
      });
    }
  }

  /** `path` was deleted: it leaves its folder's listing, and its own listing (and those under it) are dropped. */
  gone(path: string): void {
    const name = basename(path);
    void this.listings.get(dirname(path))?.then((listing) => {
      listing.entries.delete(name);
      for (const { names } of listing.matches.values()) names.delete(name);
    });
    for (const folder of this.listings.keys()) if (folder === path || folder.startsWith(path + sep)) this.listings.delete(folder);
  }
}
