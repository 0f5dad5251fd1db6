// The CLI's entry (dist/cli.js): it runs the bundle beside it (dist/cliMain.js, built from src/cli.ts) through a
// V8 code cache. Each command is a new process that compiles the bundle again, about a third of what a report of
// a small folder costs beyond Node's own start; with the cache the functions a report ran last time come back
// compiled. Node 20 has no module.enableCompileCache, so the cache is kept here, in the user's cache folder
// beside the evaluation cache. Anything wrong with it (missing, unreadable, from another Node or bundle) only
// costs the compile it would have saved.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { userCacheFolder } from './node/userCacheFolder';

/** A hash of the bundle's content, set by the build: V8 checks a cache only against the source's length. */
declare const CLI_BUNDLE_HASH: string;

const CACHE_PREFIX = 'cli-';

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache under a temporary name and renames it, so that a process starting meanwhile never reads half of
 * one; the caches of other bundles and Node versions go (two Node versions used in turn only recompile each time).
 * The folder is the user's own (0700). The cache is made only once its folder exists: making it costs a few milliseconds.
 */
function writeCache(folder: string, name: string, data: () => Buffer): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const temporary = join(folder, `${name}.${process.pid}.tmp`);
    writeFileSync(temporary, data());
    renameSync(temporary, join(folder, name));
    for (const other of readdirSync(folder)) if (other.startsWith(CACHE_PREFIX) && other !== name && !other.endsWith('.tmp')) unlinkSync(join(folder, other));
  } catch {
    // A cache folder that cannot be written leaves the CLI as fast as it was without one.
  }
}

function start(): void {
  const bundle = join(__dirname, 'cliMain.js');
  const folder = userCacheFolder('code-cache');
  const name = `${CACHE_PREFIX}${CLI_BUNDLE_HASH}-${process.version}-${process.arch}.bin`;
  const cachedData = readCache(join(folder, name));
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  // Only a report or a watch leaves a cache worth keeping: it holds what their run compiled, which `--version` never does.
  const command = process.argv[2];
  if ((cachedData === undefined || script.cachedDataRejected === true) && (command === 'report' || command === 'watch'))
    process.once('exit', () => writeCache(folder, name, () => script.createCachedData()));
  const main = new Module(bundle);
  main.filename = bundle;
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(main.exports, main.exports, createRequire(bundle), main, bundle, __dirname);
}

start();
