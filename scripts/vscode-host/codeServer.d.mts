export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly home: string;
  stop(): Promise<void>;
  output(): string;
}
export function freePort(): Promise<number>;
export function startCodeServer(options: { workspace: string; port?: number; vsix?: string; settings?: Record<string, unknown>; log?: (message: string) => void }): Promise<CodeServer>;
