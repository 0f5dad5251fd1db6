/** The parts end to end. A single part is returned as it is: the common case of no pending bytes copies nothing. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((part) => part.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0] as Uint8Array;
  const joined = new Uint8Array(nonEmpty.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of nonEmpty) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
