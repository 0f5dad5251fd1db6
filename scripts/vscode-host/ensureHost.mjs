// Makes sure a real VS Code can run here offline: Debian's Chromium (for Playwright) and ripgrep, and
// code-server 4.99.4 (VS Code 1.99.3) from npm, installed without its network-fetching install scripts.
// Idempotent: a marker file is written only after every step succeeded, so a broken install is redone.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CODE_SERVER_VERSION = '4.99.4';
const CACHE = join(REPO, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
const MARKER = join(CACHE, '.installed');
export const CODE_SERVER_BIN = join(CACHE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command, args, cwd, extraEnv = {}) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...extraEnv } });
}

// Debian's numpy, for the unit tests that check token statistics against numpy and run the Python dump helper.
const NUMPY = '/usr/lib/python3/dist-packages/numpy';

function ensureDebianPackages(log, chromium, host = true) {
  const missing = [];
  if (host && chromium && !existsSync(CHROMIUM)) missing.push('chromium');
  if (host && !existsSync('/usr/bin/rg')) missing.push('ripgrep');
  if (host && !existsSync('/usr/include/krb5.h') && !existsSync('/usr/include/krb5/krb5.h')) missing.push('libkrb5-dev');
  if (!existsSync(NUMPY)) missing.push('python3-numpy');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install ${missing.join(' ')}`);
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...missing],
  ]) {
    try {
      run('apt-get', aptGetArgs(args), REPO, env);
    } catch (error) {
      throw new Error(aptFailureMessage(args, error.status ?? null, missing));
    }
  }
}

/** How long apt-get waits for the dpkg lock another apt or dpkg holds (unattended upgrades, another install) before it gives up. */
export const APT_LOCK_TIMEOUT_SECONDS = 300;

/**
 * apt-get's arguments, waiting for the dpkg lock instead of failing at once when another process holds it
 * (apt-get, unlike apt, does not wait by default). apt documents the option for the dpkg lock; whether
 * `update` also waits for the package lists' lock depends on the apt version, and when it does not the failure
 * message below says what to do.
 */
export function aptGetArgs(args) {
  return ['-o', `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`, ...args];
}

/** What to tell the user when apt-get fails: what ran, the likely cause, and the command that settles it by hand. */
export function aptFailureMessage(args, status, missing) {
  return (
    `apt-get ${args.join(' ')} failed (exit ${status ?? 'unknown'}), after waiting up to ${APT_LOCK_TIMEOUT_SECONDS / 60} minutes for the ` +
    `dpkg lock if another apt or dpkg held it (its own output above says which). Install the packages by hand and run again: ` +
    `sudo apt-get install ${missing.join(' ')}`
  );
}

/** Runs a step for a command line: a failure is its message, without a stack trace. */
export function reportFailure(step) {
  try {
    step();
  } catch (error) {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

function link(target, path) {
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

function ensureCodeServer(log) {
  if (existsSync(MARKER)) return;
  log(`installing code-server ${CODE_SERVER_VERSION} into ${CACHE} (about 3 minutes, once)`);
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
  // npm 11 runs no dependency install scripts unless approved; these native modules need theirs.
  const npmEnv = {
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // Its postinstall refuses root and downloads ripgrep, so its steps are done here by hand.
  run('npm', ['install', '--ignore-scripts', '--no-save', `code-server@${CODE_SERVER_VERSION}`], CACHE, npmEnv);
  const codeServer = join(CACHE, 'node_modules', 'code-server');
  run('npm', ['rebuild', 'argon2'], CACHE, npmEnv);
  const vscode = join(codeServer, 'lib', 'vscode');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], vscode, npmEnv);
  const ripgrepBin = join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(ripgrepBin, { recursive: true });
  copyFileSync('/usr/bin/rg', join(ripgrepBin, 'rg'));
  run('npm', ['rebuild'], vscode, npmEnv);
  link('node_modules', join(vscode, 'node_modules.asar'));
  link('code-linux.sh', join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vscode, 'bin', 'helpers', 'browser.sh'));
  run('npm', ['install', '--omit=dev'], join(vscode, 'extensions'), npmEnv);
  writeFileSync(MARKER, new Date().toISOString() + '\n');
  log('code-server installed');
}

/** `chromium: false` for the demo, which the user opens in their own browser. */
export function ensureHost({ log = (message) => process.stderr.write(`[host] ${message}\n`), chromium = true } = {}) {
  ensureDebianPackages(log, chromium);
  ensureCodeServer(log);
  return { codeServerBin: CODE_SERVER_BIN, chromiumPath: CHROMIUM };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  reportFailure(() => {
    if (process.argv.includes('--python-numpy')) ensureDebianPackages((message) => process.stderr.write(`[host] ${message}\n`), false, false);
    else ensureHost();
  });
}
