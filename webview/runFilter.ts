/**
 * The run list's filter, as TensorBoard's: a regular expression, case-insensitive. While what is typed is
 * not a valid expression (half-typed `[`), it is matched as plain text instead of hiding every run.
 */
export function runMatcher(filter: string): { matches(label: string): boolean; regexValid: boolean } {
  const text = filter.trim();
  if (text === '') return { matches: () => true, regexValid: true };
  try {
    const pattern = new RegExp(text, 'i');
    return { matches: (label) => pattern.test(label), regexValid: true };
  } catch {
    const lower = text.toLowerCase();
    return { matches: (label) => label.toLowerCase().includes(lower), regexValid: false };
  }
}
