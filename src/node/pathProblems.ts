import type { Problem } from '../core/types';

/**
 * What is wrong with each file, one message a file: the message of its latest read replaces the one before, a
 * file that reads well again loses it, and only a real change is reported so that views redraw only then.
 */
export class PathProblems {
  private readonly byPath = new Map<string, string>();

  /** Sets (or with `undefined` clears) the file's problem; true when that changed anything. */
  set(path: string, message: string | undefined): boolean {
    if (this.byPath.get(path) === message) return false;
    if (message === undefined) this.byPath.delete(path);
    else this.byPath.set(path, message);
    return true;
  }

  /** Every file's problem, by path. */
  list(): Problem[] {
    return [...this.byPath].map(([path, message]) => ({ path, message })).sort((a, b) => a.path.localeCompare(b.path));
  }
}
