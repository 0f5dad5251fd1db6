// One build script, several bundles: the extension (Node, CommonJS, `vscode` external), the CLI,
// the webview (browser IIFE) and, on request, the unit tests and benchmarks.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'es2022' };
// web-tree-sitter's ES build finds itself through import.meta.url, which a CommonJS bundle does not have.
const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
};

// TEST_ONLY=a,b builds only the test files whose names contain one of the words: a quick loop on one area.
const testOnly = (process.env.TEST_ONLY ?? '').split(',').filter((word) => word !== '');
const testFiles = (dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && (testOnly.length === 0 || testOnly.some((word) => name.includes(word))))
    .map((name) => join(dir, name));

// The CLI is a process started per command: its bundle is read and compiled each time. Without comments and
// whitespace, and in ASCII only (V8 holds one non-ASCII character's source as two bytes a character), it is
// 0.6 MB instead of 0.9, and `--version` costs 5 ms less CPU (perf stat, 20 runs each). Names are kept for stack traces.
// dist/cli.js is a small entry that runs dist/cliMain.js through a V8 code cache keyed by the bundle's hash (src/cliStart.ts).
const cli = build({
  ...node,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cliMain.js',
  external: ['fsevents'],
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
}).then(() => {
  const hash = createHash('sha256').update(readFileSync('dist/cliMain.js')).digest('hex').slice(0, 16);
  return build({
    ...node,
    entryPoints: ['src/cliStart.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { CLI_BUNDLE_HASH: JSON.stringify(hash) },
  });
});
// The worker that scores evaluation outputs beside the extension and the CLI (both look for it in dist/).
const evalWorker = build({ ...node, entryPoints: ['src/node/tokens/evalWorker.ts'], outfile: 'dist/evalWorker.js' });
// The helper thread that checks a large event file's checksums while the CLI decodes it (src/node/tfrecordChecksAside.ts).
const checksWorker = build({ ...node, entryPoints: ['src/node/tfrecordCheckWorker.ts'], outfile: 'dist/tfrecordCheckWorker.js', minify: true });
// The thread that scans the second half of a large trainer_state.json (both bundles look for it in dist/).
const splitWorker = build({ ...node, entryPoints: ['src/node/wholeFileSplitWorker.ts'], outfile: 'dist/wholeFileSplitWorker.js' });
const jobs = [cli, evalWorker, checksWorker, splitWorker];
if (!args.has('--tests') && !args.has('--bench') && !args.has('--bench-tokens')) {
  jobs.push(
    build({ ...node, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'fsevents'] }),
    build({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' }),
  );
  // The Python parser's WebAssembly ships beside the bundle: the extension loads it from dist/ at run time.
  mkdirSync('dist', { recursive: true });
  copyFileSync('node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/web-tree-sitter.wasm');
  copyFileSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm');
}
if (args.has('--tests')) {
  if (testOnly.length === 0) rmSync('out/test', { recursive: true, force: true });
  jobs.push(
    build({
      ...node,
      entryPoints: [...testFiles('test/unit'), ...testFiles('test/webview'), ...testFiles('test/e2e')],
      outdir: 'out/test',
      outbase: 'test',
      external: ['fsevents', 'playwright-core'],
    }),
  );
}
if (args.has('--bench'))
  jobs.push(
    build({ ...node, entryPoints: ['bench/run.ts'], outfile: 'out/bench/run.js', external: ['fsevents', 'playwright-core'] }),
    build({ ...node, entryPoints: ['bench/processes.ts'], outfile: 'out/bench/processes.js' }),
    build({ ...node, entryPoints: ['bench/processFloors.ts'], outfile: 'out/bench/processFloors.js' }),
    // The webview's first draw is measured on the page as it is now.
    build({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' }),
  );
if (args.has('--bench-tokens')) jobs.push(build({ ...node, entryPoints: ['bench/tokens.ts'], outfile: 'out/bench/tokens.js' }));
await Promise.all(jobs);
