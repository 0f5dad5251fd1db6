import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { DUMP_HELPER_NAME, installDumpHelper } from '../node/python/dumpHelperInstall';

export const ADD_DUMP_HELPER = 'tokenAccuracyLens.addDumpHelper';

const USAGE =
  'Pass callbacks=[TokenAccuracyLensDump(output_dir=args.output_dir)] to your Trainer or SFTTrainer; the README of Token Accuracy Lens has the details.';

/** The folder to copy into: beside the open Python script, a workspace root, or one the user picks; asked when there is a choice. */
async function targetFolder(): Promise<string | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  const active = vscode.window.activeTextEditor?.document;
  const script =
    active?.languageId === 'python' && active.uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(active.uri) !== undefined
      ? dirname(active.uri.fsPath)
      : undefined;
  const choices: (vscode.QuickPickItem & { folder?: string })[] = [
    ...(script === undefined ? [] : [{ label: `Beside ${vscode.workspace.asRelativePath(active?.uri ?? script)}`, description: script, folder: script }]),
    ...folders
      .filter((folder) => folder.uri.fsPath !== script)
      .map((folder) => ({ label: `Workspace folder ${folder.name}`, description: folder.uri.fsPath, folder: folder.uri.fsPath })),
    { label: 'Choose a folder…' },
  ];
  if (choices.length === 2 && choices[0]?.folder !== undefined) return choices[0].folder;
  const picked = await vscode.window.showQuickPick(choices, {
    title: `Where should ${DUMP_HELPER_NAME} go?`,
    placeHolder: 'Beside the training script that imports it',
  });
  if (picked === undefined) return undefined;
  if (picked.folder !== undefined) return picked.folder;
  const [chosen] =
    (await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      ...(folders[0] === undefined ? {} : { defaultUri: folders[0].uri }),
      openLabel: 'Add Here',
    })) ?? [];
  return chosen?.scheme === 'file' ? chosen.fsPath : undefined;
}

/** Copies the Python dump helper shipped in the extension into the workspace; never replaces a file without asking. */
export async function addDumpHelper(extensionUri: vscode.Uri): Promise<void> {
  if ((vscode.workspace.workspaceFolders ?? []).length === 0) {
    void vscode.window.showErrorMessage(`Open a folder first: ${DUMP_HELPER_NAME} is copied into the workspace.`);
    return;
  }
  const folder = await targetFolder();
  if (folder === undefined) return;
  const source = vscode.Uri.joinPath(extensionUri, 'python', DUMP_HELPER_NAME).fsPath;
  try {
    const { outcome, path } = await installDumpHelper(source, folder, async (existing) => {
      const replace = 'Replace';
      return (
        (await vscode.window.showWarningMessage(
          `${vscode.workspace.asRelativePath(existing)} exists and differs from the helper in this extension. Replace it?`,
          { modal: true },
          replace,
        )) === replace
      );
    });
    if (outcome === 'kept') return;
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false });
    const said = outcome === 'unchanged' ? 'is already up to date' : outcome === 'replaced' ? 'was replaced' : 'was added';
    void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(path)} ${said}. ${USAGE}`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Could not add ${DUMP_HELPER_NAME}: ${(error as Error).message}`);
  }
}
