export interface TensorboardWriter {
  readonly path: string;
  add(tag: string, step: number, value: number): void;
}
export interface LightningCsvWriter {
  readonly path: string;
  add(row: Record<string, number>): void;
}
export interface MlflowWriter {
  readonly dir: string;
  add(key: string, step: number, value: number): void;
}
export interface ConsoleLogWriter {
  readonly path: string;
  add(record: Record<string, number>): void;
}
/** One TFRecord: length, its masked CRC-32C, the data, the data's masked CRC-32C. */
export function tfRecord(data: Uint8Array): Uint8Array;
export function tensorboardWriter(dir: string, wallTime?: number): TensorboardWriter;
export function lightningCsvWriter(dir: string, hparams?: Record<string, string | number>): LightningCsvWriter;
export function mlflowWriter(root: string, options: { experimentId?: string; runId: string; runName: string }): MlflowWriter;
export function consoleLogWriter(path: string): ConsoleLogWriter;
