import type { Finding } from './finding';
import { kerasFindings } from './kerasRules';
import { lightningFindings } from './lightningRules';
import type { PythonParser } from './pythonParser';
import { readScript, type PythonScript } from './syntax';
import { torchFindings } from './torchRules';
import { transformersFindings } from './transformersRules';

/** Every configuration in the script that trusts the loss, in document order. */
export function findLossTrust(script: PythonScript): Finding[] {
  return [...transformersFindings(script), ...kerasFindings(script), ...lightningFindings(script), ...torchFindings(script)].sort((a, b) => a.span.start - b.span.start);
}

/** Parses and reads the script, and frees the tree: WebAssembly memory is not garbage-collected. */
export function lossTrustIn(parser: PythonParser, text: string): { script: PythonScript; findings: Finding[] } {
  const tree = parser.parse(text);
  try {
    const script = readScript(tree.rootNode);
    return { script, findings: findLossTrust(script) };
  } finally {
    tree.delete();
  }
}
