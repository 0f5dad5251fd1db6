// Starts code-server (a real VS Code in the browser) on 127.0.0.1 with a throwaway home, user data and
// extensions folder, nothing that reaches a marketplace, and stops its whole process group.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CODE_SERVER_BIN } from './ensureHost.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'chat.commandCenter.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  // The demo's workspace sits inside this repository: no prompt to open the parent repository.
  'git.openRepositoryInParentFolders': 'never',
};

function commonArgs(home, port) {
  const config = join(home, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return ['--config', config, '--user-data-dir', join(home, 'user-data'), '--extensions-dir', join(home, 'extensions')];
}

/**
 * Installs `vsix` (if given) and starts code-server on `workspace`. Resolves once /healthz answers, with
 * the workbench URL and a `stop()` that ends every process it started.
 */
export async function startCodeServer({ workspace, port, vsix, settings = {}, log = () => {} }) {
  port ??= await freePort();
  const home = mkdtempSync(join(tmpdir(), 'tal-code-server-'));
  mkdirSync(join(home, 'user-data', 'User'), { recursive: true });
  writeFileSync(join(home, 'user-data', 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  const env = { ...process.env, HOME: home, EXTENSIONS_GALLERY: '{}', VSCODE_CLI_DISABLE_KEYCHAIN_ENCRYPT: '1' };
  const args = commonArgs(home, port);
  if (vsix !== undefined) {
    log(`installing ${vsix}`);
    execFileSync(process.execPath, [CODE_SERVER_BIN, ...args, '--install-extension', vsix], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const child = spawn(
    process.execPath,
    [CODE_SERVER_BIN, ...args, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', workspace],
    {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-20000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.on('exit', () => (exited = true));

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      for (let i = 0; i < 30 && !exited; i++) await sleep(100);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    rmSync(home, { recursive: true, force: true });
  };

  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited during start:\n${output}`);
    }
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) break;
    } catch {}
    if (attempt > 600) {
      await stop();
      throw new Error(`code-server did not answer on ${base} within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  return { url: `${base}/?folder=${encodeURIComponent(workspace)}`, port, home, stop, output: () => output };
}
