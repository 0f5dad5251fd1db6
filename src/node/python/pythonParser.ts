import type { Tree } from 'web-tree-sitter';
import { join } from 'node:path';

/** Where the two WebAssembly files are: `dist/` in the VSIX, `node_modules` when tests run from source. */
export interface GrammarFiles {
  readonly runtime: string;
  readonly python: string;
}

export function distGrammarFiles(distDir: string): GrammarFiles {
  return { runtime: join(distDir, 'web-tree-sitter.wasm'), python: join(distDir, 'tree-sitter-python.wasm') };
}

export function nodeModulesGrammarFiles(root: string): GrammarFiles {
  return {
    runtime: join(root, 'node_modules', 'web-tree-sitter', 'web-tree-sitter.wasm'),
    python: join(root, 'node_modules', 'tree-sitter-python', 'tree-sitter-python.wasm'),
  };
}

/**
 * Real scripts parse in milliseconds (two megabytes of code in about 0.4 s), but error recovery on text that
 * is not Python, such as binary data saved as .py, takes seconds a megabyte, and the extension host would wait.
 */
const PARSE_BUDGET_MS = 1000;

/** A Python parser that owns its WebAssembly instance; trees it returns must be deleted by the caller. */
export interface PythonParser {
  /** Throws when the text takes longer than the budget to parse. */
  parse(text: string): Tree;
  dispose(): void;
}

type TreeSitter = typeof import('web-tree-sitter');
let runtime: Promise<TreeSitter> | undefined;

/**
 * The module is loaded on first use, not at activation (its glue code costs ~10 ms to evaluate), and the
 * runtime is initialised once per process: Emscripten's module is global.
 */
function initRuntime(file: string): Promise<TreeSitter> {
  runtime ??= import('web-tree-sitter').then(async (treeSitter) => {
    await treeSitter.Parser.init({ locateFile: () => file });
    return treeSitter;
  });
  return runtime;
}

export async function loadPythonParser(files: GrammarFiles): Promise<PythonParser> {
  const { Language, Parser } = await initRuntime(files.runtime);
  const language = await Language.load(files.python);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(text) {
      const deadline = performance.now() + PARSE_BUDGET_MS;
      const tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
      if (tree === null) {
        // A cancelled parse resumes on the next call unless the parser is reset, whatever text that call brings.
        parser.reset();
        throw new Error(`Parsing stopped after ${PARSE_BUDGET_MS} ms: the text does not read as Python.`);
      }
      return tree;
    },
    dispose: () => parser.delete(),
  };
}
