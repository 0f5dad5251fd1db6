/** Path helpers that work on both separators, so src/core needs no `node:path`. */

export function pathSegments(path: string): string[] {
  return path.split(/[\\/]+/).filter((part) => part !== '');
}

export function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path.slice(0, cut + 1) || '.' : path.slice(0, cut);
}

export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(cut + 1);
}
