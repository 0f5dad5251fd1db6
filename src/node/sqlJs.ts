import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;
/** Resolved at run time (a variable, so that the bundler leaves it alone): only tests and benchmarks need it. */
const WASM_IN_PACKAGE = 'sql.js/dist/sql-wasm.wasm';

/**
 * sql.js (SQLite compiled to WebAssembly: no native build, so the VSIX works on every platform). The
 * engine is loaded once, on the first database found. Its wasm ships beside the bundle in `dist/`;
 * tests and benchmarks run from `out/` and find it in node_modules.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= (async () => {
    let wasmBinary: Uint8Array;
    try {
      wasmBinary = await readFile(join(__dirname, 'sql-wasm.wasm'));
    } catch {
      wasmBinary = await readFile(require.resolve(WASM_IN_PACKAGE));
    }
    return initSqlJs({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
  })();
  return loading;
}
