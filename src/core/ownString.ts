/**
 * `text` as a string of its own. V8 makes a substring of 13 characters or more a view of the string it was cut
 * from, which then lives as long as the substring does: a metric's name cut from a 256 KiB chunk of a log and
 * kept for the run's life kept the whole chunk. For names and other short strings kept long; a join builds a
 * new string of the same characters.
 */
export function ownString(text: string): string {
  return text.split('').join('');
}
