import * as vscode from 'vscode';

function nonce(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let value = '';
  for (let i = 0; i < 32; i++) value += alphabet.charAt(Math.floor(Math.random() * alphabet.length));
  return value;
}

/** Only the extension's own built files and stylesheet may load in the panel. */
export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/**
 * The panel's page: a strict Content Security Policy (nothing by default, scripts by nonce, styles and
 * images only from the extension), no inline script, no data in the HTML. Data arrives by message.
 */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, smoothing: number): string {
  const scriptNonce = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const tokensStyle = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'tokens.css'));
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${scriptNonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<link rel="stylesheet" href="${tokensStyle.toString()}">
<title>Token Accuracy</title>
</head>
<body data-smoothing="${smoothing}">
<main id="app"></main>
<script nonce="${scriptNonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
