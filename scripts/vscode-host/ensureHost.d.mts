export const REPO: string;
export const CODE_SERVER_VERSION: string;
export const CODE_SERVER_BIN: string;
export const CHROMIUM: string;
export const APT_LOCK_TIMEOUT_SECONDS: number;
/** apt-get's arguments, waiting for the dpkg lock another process holds. */
export function aptGetArgs(args: readonly string[]): string[];
/** The message of a failed apt-get: what ran, the likely cause, the command that settles it by hand. */
export function aptFailureMessage(args: readonly string[], status: number | null, missing: readonly string[]): string;
/** Runs a step for a command line: a failure is its message, without a stack trace. */
export function reportFailure(step: () => void): void;
/** Makes sure Chromium, ripgrep, numpy and code-server are installed. */
export function ensureHost(options?: { log?: (message: string) => void; chromium?: boolean }): { codeServerBin: string; chromiumPath: string };
