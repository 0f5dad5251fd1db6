import { stat } from 'node:fs/promises';
import { metadataSidecarPath, parseMetadataSidecar, SIDECAR_MAX_BYTES } from '../../core/tokens/metadataSidecar';
import { readRange } from '../fileRange';

/**
 * The metadata sidecar of an evaluation (`metadataSidecar.ts`): none when there is no such file, its keys when
 * it reads, an error that names it when it is not a small regular file holding one JSON object.
 */
export async function readMetadataSidecar(
  evaluationPath: string,
): Promise<{ readonly path?: string; readonly metadata: Readonly<Record<string, string>> } | { readonly error: string }> {
  const path = metadataSidecarPath(evaluationPath);
  if (path === undefined) return { metadata: {} };
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { error: `${path} is not a regular file.` };
    size = info.size;
  } catch {
    return { metadata: {} };
  }
  if (size > SIDECAR_MAX_BYTES) return { error: `${path} is ${size} bytes; a metadata file is at most ${SIDECAR_MAX_BYTES}.` };
  const parsed = parseMetadataSidecar(new TextDecoder().decode(await readRange(path, 0, SIDECAR_MAX_BYTES)));
  return 'error' in parsed ? { error: `${path}: ${parsed.error}` } : { path, metadata: parsed.metadata };
}
