import { parseLenientJson } from './lenientJson';

/**
 * A JSON file rewritten whole (not atomically) can be caught empty or cut short. That is `incomplete`, not
 * invalid: the caller retries and reports it only if the file stays so.
 */
export type WholeFileJson = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'incomplete'; readonly message: string };

/** `subject` names the file in the message a user sees while it stays incomplete. */
export function parseWholeFileJson(text: string, subject = 'The file'): WholeFileJson {
  if (text.trim() === '') return { kind: 'incomplete', message: `${subject} is empty (it may be being written).` };
  try {
    return { kind: 'json', value: parseLenientJson(text) };
  } catch (error) {
    return { kind: 'incomplete', message: `${subject} is not complete JSON (${(error as Error).message}); it may be being rewritten.` };
  }
}
