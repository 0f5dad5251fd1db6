import { baseName } from '../paths';

/** A sidecar larger than this is not metadata: it is refused, not read. */
export const SIDECAR_MAX_BYTES = 65_536;

/**
 * Where the metadata of an evaluation written without a header of its own is: `metadata.json` in a folder of
 * .npy arrays (`eval_outputs/step-N/metadata.json`), `step-N.metadata.json` beside `step-N.npz`. Safetensors
 * carry theirs in `__metadata__`: undefined.
 */
export function metadataSidecarPath(evaluationPath: string): string | undefined {
  const lower = evaluationPath.toLowerCase();
  if (lower.endsWith('.npy')) return evaluationPath.slice(0, evaluationPath.length - baseName(evaluationPath).length) + 'metadata.json';
  if (lower.endsWith('.npz')) return evaluationPath.slice(0, -'.npz'.length) + '.metadata.json';
  return undefined;
}

/** True for a sidecar's own name: it is read with its evaluation, never as an evaluation or per-sample results. */
export function isMetadataSidecar(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'metadata.json' || lower.endsWith('.metadata.json');
}

/**
 * What a sidecar speaks for, the inverse of `metadataSidecarPath`: every .npy labels file of its folder for
 * `metadata.json`, the .npz of its name for `step-N.metadata.json`. Undefined for any other name.
 */
export function sidecarSubject(path: string): { readonly folder: string } | { readonly npz: string } | undefined {
  const name = baseName(path);
  const lower = name.toLowerCase();
  if (lower === 'metadata.json') return { folder: path.slice(0, path.length - name.length) };
  if (lower.endsWith('.metadata.json') && lower.length > '.metadata.json'.length) return { npz: path.slice(0, -'.metadata.json'.length) + '.npz' };
  return undefined;
}

/**
 * A sidecar's keys as the safetensors `__metadata__` holds them (strings): `causal_shift` (a JSON boolean or
 * "true"/"false"), `ignore_index` and `step` (integers), `producer` (a string). Other keys are kept as they
 * are when they are strings or numbers; anything else is refused with a message that says what is wrong.
 */
export function parseMetadataSidecar(text: string): { readonly metadata: Readonly<Record<string, string>> } | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `The metadata file is not JSON (${(error as Error).message}).` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'The metadata file must hold one JSON object, e.g. {"causal_shift": false, "ignore_index": -100}.' };
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (typeof entry === 'boolean' || typeof entry === 'string' || (typeof entry === 'number' && Number.isFinite(entry))) metadata[key] = String(entry);
  }
  const shift = metadata['causal_shift'];
  if (shift !== undefined && !['true', 'false'].includes(shift.trim().toLowerCase()))
    return { error: `"causal_shift" is ${JSON.stringify(shift)}; it must be true or false.` };
  for (const key of ['ignore_index', 'step']) {
    const entry = metadata[key];
    if (entry !== undefined && !Number.isInteger(Number(entry))) return { error: `"${key}" is ${JSON.stringify(entry)}; it must be an integer.` };
  }
  return { metadata };
}
