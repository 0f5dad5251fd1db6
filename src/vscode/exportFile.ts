import * as vscode from 'vscode';

const PNG_PREFIX = 'data:image/png;base64,';

/** Turns what the webview exported into bytes; a PNG must arrive as a base64 data URL and nothing else. */
export function exportBytes(format: 'png' | 'csv', data: string): Uint8Array | undefined {
  if (format === 'csv') return new TextEncoder().encode(data);
  if (!data.startsWith(PNG_PREFIX)) return undefined;
  return Buffer.from(data.slice(PNG_PREFIX.length), 'base64');
}

/** Asks where to save (the webview cannot write files or trigger downloads) and writes the file there. */
export async function saveExport(format: 'png' | 'csv', fileName: string, data: string): Promise<vscode.Uri | undefined> {
  const bytes = exportBytes(format, data);
  if (bytes === undefined) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const options: vscode.SaveDialogOptions = {
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'CSV table': ['csv'] },
    title: format === 'png' ? 'Save chart as PNG' : 'Save visible data as CSV',
  };
  if (folder !== undefined) options.defaultUri = vscode.Uri.joinPath(folder, fileName);
  const target = await vscode.window.showSaveDialog(options);
  if (target === undefined) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}`);
  return target;
}
