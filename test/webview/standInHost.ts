import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const ROOT = resolve(__dirname, '../../..');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html' };

/**
 * The panel's page as VS Code serves it (same CSP, same bundle and stylesheet), with a stand-in for
 * `acquireVsCodeApi` that records what the webview posts and keeps its state across reloads.
 */
function page(origin: string, theme: 'dark' | 'light'): string {
  const colors =
    theme === 'dark'
      ? '--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-editorWarning-foreground:#cca700;--vscode-descriptionForeground:#9d9d9d;--vscode-editorWidget-border:#454545;--vscode-font-family:sans-serif;--vscode-font-size:13px'
      : '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-charts-blue:#1a85ff;--vscode-charts-orange:#c27d1a;--vscode-editorWarning-foreground:#bf8803;--vscode-descriptionForeground:#717171;--vscode-editorWidget-border:#c8c8c8;--vscode-font-family:sans-serif;--vscode-font-size:13px';
  return `<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${origin}; style-src ${origin}; font-src ${origin}; script-src 'nonce-test' ${origin}/stand-in.js">
<link rel="stylesheet" href="${origin}/media/panel.css"><link rel="stylesheet" href="${origin}/theme.css">
</head><body class="vscode-${theme}" data-smoothing="0.6"><main id="app"></main>
<script src="${origin}/stand-in.js"></script>
<script nonce="test" src="${origin}/dist/webview.js"></script></body></html>`.replace('<link rel="stylesheet" href="' + origin + '/theme.css">', `<link rel="stylesheet" href="${origin}/theme.css?${encodeURIComponent(colors)}">`);
}

const STAND_IN = `
window.posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (message) => window.posted.push(message),
  getState: () => JSON.parse(sessionStorage.getItem('state') || 'null'),
  setState: (state) => sessionStorage.setItem('state', JSON.stringify(state)),
});
document.addEventListener('securitypolicyviolation', (event) => (window.cspViolations = (window.cspViolations || []).concat(event.violatedDirective + ' ' + event.blockedURI)));
`;

export async function startStandInHost(theme: 'dark' | 'light' = 'dark'): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (url.pathname === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end(page(origin, theme));
      if (url.pathname === '/stand-in.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(STAND_IN);
      if (url.pathname === '/theme.css') return response.writeHead(200, { 'content-type': 'text/css' }).end(`body{${decodeURIComponent(url.search.slice(1))}}`);
      try {
        const body = await readFile(join(ROOT, url.pathname));
        response.writeHead(200, { 'content-type': TYPES[extname(url.pathname)] ?? 'application/octet-stream' }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((done) => server.close(() => done())) };
}

