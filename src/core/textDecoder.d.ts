/**
 * Core compiles without DOM or Node types, so that it cannot reach either. TextDecoder is the one
 * platform API it needs; every runtime it runs in (Node, workers, the webview) has it.
 */
declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array): string;
}
