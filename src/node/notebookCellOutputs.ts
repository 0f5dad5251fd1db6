import { isReadNotebookMime, notebookOutputOf, type NotebookOutput } from '../core/formats/notebookOutputs';

/** An output item as the editor's notebook API holds it (`vscode.NotebookCellOutputItem`): a mime type and its bytes. */
export interface OutputItemBytes {
  readonly mime: string;
  readonly data: Uint8Array;
}

/**
 * A text output larger than this is not decoded: a Trainer's whole table or a long run's printed dicts are a
 * few megabytes at most, and decoding runs on the extension host's thread at every change of the output.
 */
export const MAX_OUTPUT_ITEM_BYTES = 16 * 1024 * 1024;

/**
 * One cell's outputs (each a list of alternative items) as the notebook reader takes them: only the items it
 * reads (printed text, HTML and plain-text displays) are decoded; images, errors and widgets never are.
 * `tooLarge` counts the text items left out for their size, so the user can be told.
 */
export function readOutputItems(outputs: readonly (readonly OutputItemBytes[])[]): { outputs: NotebookOutput[]; tooLarge: number } {
  const decoder = new TextDecoder();
  const read: NotebookOutput[] = [];
  let tooLarge = 0;
  for (const items of outputs) {
    for (const item of items) {
      if (!isReadNotebookMime(item.mime)) continue;
      if (item.data.byteLength > MAX_OUTPUT_ITEM_BYTES) {
        tooLarge++;
        continue;
      }
      const output = notebookOutputOf(item.mime, decoder.decode(item.data));
      if (output !== undefined) read.push(output);
    }
  }
  return { outputs: read, tooLarge };
}
