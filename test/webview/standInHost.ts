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
export type StandInTheme = 'dark' | 'light' | 'high-contrast';

/** The variables VS Code sets on the webview's body, for the themes the tests draw in. */
export const THEME_VARIABLES: Readonly<Record<StandInTheme, string>> = {
  dark: '--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-charts-purple:#b180d7;--vscode-charts-yellow:#cca700;--vscode-charts-red:#f14c4c;--vscode-editorWarning-foreground:#cca700;--vscode-descriptionForeground:#9d9d9d;--vscode-editorWidget-border:#454545;--vscode-focusBorder:#0078d4;--vscode-textLink-foreground:#4daafc;--vscode-input-background:#313131;--vscode-input-foreground:#cccccc;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-list-activeSelectionBackground:#04395e;--vscode-list-hoverBackground:#2a2d2e;--vscode-editorHoverWidget-background:#202020;--vscode-editorHoverWidget-border:#454545;--vscode-textCodeBlock-background:#2b2b2b;--vscode-font-family:sans-serif;--vscode-font-size:13px',
  light:
    '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-charts-blue:#1a85ff;--vscode-charts-orange:#c27d1a;--vscode-charts-green:#388a34;--vscode-charts-purple:#652d90;--vscode-charts-yellow:#bf8803;--vscode-charts-red:#e51400;--vscode-editorWarning-foreground:#bf8803;--vscode-descriptionForeground:#717171;--vscode-editorWidget-border:#c8c8c8;--vscode-focusBorder:#005fb8;--vscode-textLink-foreground:#005fb8;--vscode-input-background:#ffffff;--vscode-input-foreground:#3b3b3b;--vscode-input-border:#cecece;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-list-activeSelectionBackground:#e4e6f1;--vscode-list-hoverBackground:#f2f2f2;--vscode-editorHoverWidget-background:#f8f8f8;--vscode-editorHoverWidget-border:#c8c8c8;--vscode-textCodeBlock-background:#f3f3f3;--vscode-font-family:sans-serif;--vscode-font-size:13px',
  'high-contrast':
    '--vscode-foreground:#ffffff;--vscode-editor-background:#000000;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-charts-purple:#b180d7;--vscode-charts-yellow:#ffff00;--vscode-charts-red:#f48771;--vscode-editorWarning-foreground:#ffd700;--vscode-descriptionForeground:#ffffff;--vscode-editorWidget-border:#6fc3df;--vscode-contrastBorder:#6fc3df;--vscode-focusBorder:#f38518;--vscode-textLink-foreground:#21a6ff;--vscode-input-background:#000000;--vscode-input-foreground:#ffffff;--vscode-button-border:#6fc3df;--vscode-font-family:sans-serif;--vscode-font-size:13px',
};

/**
 * The panel's page as VS Code serves it (same CSP, same bundle and stylesheet), with a stand-in for
 * `acquireVsCodeApi` that records what the webview posts and keeps its state across reloads.
 */
function page(origin: string, theme: StandInTheme): string {
  const colors = THEME_VARIABLES[theme];
  return `<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${origin}; style-src ${origin}; font-src ${origin}; script-src 'nonce-test' ${origin}/stand-in.js">
<link rel="stylesheet" href="${origin}/media/panel.css"><link rel="stylesheet" href="${origin}/media/tokens.css"><link rel="stylesheet" href="${origin}/theme.css">
</head><body class="vscode-${theme}" data-smoothing="0.6"><main id="app"></main>
<script src="${origin}/stand-in.js"></script>
<script nonce="test" src="${origin}/dist/webview.js"></script></body></html>`.replace(
    '<link rel="stylesheet" href="' + origin + '/theme.css">',
    `<link rel="stylesheet" href="${origin}/theme.css?${encodeURIComponent(colors)}">`,
  );
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

/** `root`: the checkout whose media/ and dist/ it serves (the benchmark's bundle lives elsewhere than the tests'). */
export async function startStandInHost(theme: StandInTheme = 'dark', root = ROOT): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (url.pathname === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end(page(origin, theme));
      if (url.pathname === '/stand-in.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(STAND_IN);
      if (url.pathname === '/theme.css') return response.writeHead(200, { 'content-type': 'text/css' }).end(`body{${decodeURIComponent(url.search.slice(1))}}`);
      try {
        const body = await readFile(join(root, url.pathname));
        response.writeHead(200, { 'content-type': TYPES[extname(url.pathname)] ?? 'application/octet-stream' }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((done) => server.close(() => done())) };
}
