import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder of the CLI's in the user's own cache folder (`$XDG_CACHE_HOME`, else `~/.cache`; on Windows
 * `%LOCALAPPDATA%`), never the shared temp folder where another user could plant entries or links. Made at
 * mode 0700 by whoever makes it.
 */
export function userCacheFolder(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32' && env['LOCALAPPDATA'] !== undefined && env['LOCALAPPDATA'] !== '') return join(env['LOCALAPPDATA'], 'token-accuracy-lens', name);
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'].startsWith('/') ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'token-accuracy-lens', name);
}
