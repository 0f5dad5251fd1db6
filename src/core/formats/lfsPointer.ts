/**
 * A Git LFS pointer: what a repository holds in place of a large file whose content was never fetched
 * (`git lfs pull` not run, or LFS not installed). The spec keeps pointers under 1024 bytes of UTF-8 text that
 * starts with its version line; the pre-release "hawser" spec line is accepted too.
 */
export const LFS_POINTER_MAX_BYTES = 1024;

const VERSION_TEXTS = ['version https://git-lfs.github.com/spec/v1', 'version https://hawser.github.com/spec/v1'];
const VERSION_LINES: readonly number[][] = VERSION_TEXTS.map((line) => [...line].map((char) => char.charCodeAt(0)));

/** True when `head` (a file's first bytes, `fileSize` in all) is a Git LFS pointer rather than the file itself. */
export function isLfsPointer(head: Uint8Array, fileSize: number): boolean {
  if (fileSize >= LFS_POINTER_MAX_BYTES) return false;
  return VERSION_LINES.some((line) => head.length >= line.length && line.every((byte, i) => head[i] === byte));
}

/** The same test on a file already decoded (a pointer is ASCII, so its length in characters is its size). */
export function isLfsPointerText(text: string): boolean {
  return text.length < LFS_POINTER_MAX_BYTES && VERSION_TEXTS.some((line) => text.startsWith(line));
}

/** The one message every format gives for a pointer. */
export const LFS_POINTER_MESSAGE =
  'This file is a Git LFS pointer, not its content (the large file was never fetched): run `git lfs pull` in its repository, then it is read.';
