import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DUMP_HELPER_NAME, installDumpHelper } from '../../src/node/python/dumpHelperInstall';
import { REPO_ROOT } from './tokenPython';

const dir = mkdtempSync(join(tmpdir(), 'tal-helper-install-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SOURCE = join(REPO_ROOT, 'python', DUMP_HELPER_NAME);
const never = (): Promise<boolean> => Promise.reject(new Error('asked'));

test('the helper is copied into an empty folder, and a second copy finds it up to date without asking', async () => {
  const target = join(dir, 'empty');
  mkdirSync(target);
  assert.deepEqual(await installDumpHelper(SOURCE, target, never), { outcome: 'written', path: join(target, DUMP_HELPER_NAME) });
  assert.deepEqual(readFileSync(join(target, DUMP_HELPER_NAME)), readFileSync(SOURCE));
  assert.equal((await installDumpHelper(SOURCE, target, never)).outcome, 'unchanged');
  assert.deepEqual(readdirSync(target), [DUMP_HELPER_NAME], 'no temporary file is left');
});

test('a different file of that name is replaced only when the user says so', async () => {
  const target = join(dir, 'edited');
  mkdirSync(target);
  writeFileSync(join(target, DUMP_HELPER_NAME), '# my own edits\n');
  const asked: string[] = [];
  assert.equal((await installDumpHelper(SOURCE, target, (path) => (asked.push(path), Promise.resolve(false)))).outcome, 'kept');
  assert.equal(readFileSync(join(target, DUMP_HELPER_NAME), 'utf8'), '# my own edits\n');
  assert.deepEqual(asked, [join(target, DUMP_HELPER_NAME)]);
  assert.equal((await installDumpHelper(SOURCE, target, () => Promise.resolve(true))).outcome, 'replaced');
  assert.deepEqual(readFileSync(join(target, DUMP_HELPER_NAME)), readFileSync(SOURCE));
});

test('a folder or a link of that name is refused, and nothing is written through it', async () => {
  const target = join(dir, 'odd');
  mkdirSync(join(target, DUMP_HELPER_NAME), { recursive: true });
  await assert.rejects(installDumpHelper(SOURCE, target, never), /is not a regular file; nothing was written/);
  const linked = join(dir, 'linked');
  mkdirSync(linked);
  writeFileSync(join(dir, 'elsewhere.py'), 'x = 1\n');
  symlinkSync(join(dir, 'elsewhere.py'), join(linked, DUMP_HELPER_NAME));
  await assert.rejects(
    installDumpHelper(SOURCE, linked, () => Promise.resolve(true)),
    /not a regular file/,
  );
  assert.equal(readFileSync(join(dir, 'elsewhere.py'), 'utf8'), 'x = 1\n');
});

test('the VSIX ships the helper (.vscodeignore is an allowlist) and the command is contributed', () => {
  const ignore = readFileSync(join(REPO_ROOT, '.vscodeignore'), 'utf8').split('\n');
  assert.ok(ignore.includes(`!python/${DUMP_HELPER_NAME}`), 'allowlisted');
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[] } };
  const command = manifest.contributes.commands.find((c) => c.command === 'tokenAccuracyLens.addDumpHelper');
  assert.equal(command?.title, 'Add Evaluation Dump Helper to Workspace');
});
