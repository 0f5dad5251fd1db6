import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The host setup's apt-get waits for the dpkg lock, and a failure is a message that says what to do, not a stack trace. */
const REPO = resolve(__dirname, '../../..');
const ENSURE_HOST = pathToFileURL(join(REPO, 'scripts', 'vscode-host', 'ensureHost.mjs')).href;
const load = async (): Promise<typeof import('../../scripts/vscode-host/ensureHost.mjs')> =>
  (await import(ENSURE_HOST)) as typeof import('../../scripts/vscode-host/ensureHost.mjs');

test('apt-get waits up to five minutes for the dpkg lock', async () => {
  const { aptGetArgs } = await load();
  assert.deepEqual(aptGetArgs(['install', '-y', 'ripgrep']), ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', 'ripgrep']);
});

test('a failed apt-get says what ran, the lock it waited for, and the command to run by hand', async () => {
  const { aptFailureMessage } = await load();
  const message = aptFailureMessage(['install', '-y', '-qq', 'ripgrep', 'python3-numpy'], 100, ['ripgrep', 'python3-numpy']);
  assert.match(message, /^apt-get install -y -qq ripgrep python3-numpy failed \(exit 100\)/);
  assert.match(message, /waiting up to 5 minutes for the dpkg lock/);
  assert.match(message, /sudo apt-get install ripgrep python3-numpy$/);
});

test('a setup step that fails prints its message without a stack trace and exits 1', () => {
  const script = `import { reportFailure } from ${JSON.stringify(ENSURE_HOST)};\nreportFailure(() => { throw new Error('apt-get update failed (exit 100)'); });\n`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.equal(result.stderr.trim(), 'apt-get update failed (exit 100)');
});
