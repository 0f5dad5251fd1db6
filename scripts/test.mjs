// `npm test`: every layer, in order of cost. Types and lint first, then unit tests in plain Node,
// then the webview in headless Chromium, then the extension end to end in a real VS Code (code-server).
import { spawnSync } from 'node:child_process';

const steps = [
  ['types', 'npx', ['tsc', '-p', 'tsconfig.core.json']],
  ['types', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['types', 'npx', ['tsc', '-p', 'tsconfig.webview.json']],
  ['types', 'npx', ['tsc', '-p', 'tsconfig.browser-tests.json']],
  ['lint', 'npx', ['eslint', '.']],
  ['format (npm run format writes it)', 'npm', ['run', 'format:check']],
  ['python3-numpy for the token statistics tests', 'node', ['scripts/vscode-host/ensureHost.mjs', '--python-numpy']],
  ['Python trainers for the dump helper and quick-fix tests (cached; skipped tests say why when pip cannot install)', 'node', ['scripts/ensureTrainers.mjs']],
  ['unit', 'npm', ['run', 'test:unit']],
];
steps.push(['package', 'npm', ['run', 'package']]);
steps.push(['browser and VS Code host setup', 'node', ['scripts/vscode-host/ensureHost.mjs']]);
steps.push(['webview', 'node', ['--test', '--test-reporter=spec', 'out/test/webview/']]);
steps.push(['end to end', 'node', ['--test', '--test-reporter=spec', '--test-concurrency=1', 'out/test/e2e/']]);

for (const [layer, command, args] of steps) {
  process.stderr.write(`\n== ${layer}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${layer} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}
