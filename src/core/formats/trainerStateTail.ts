import { type ExportedColumns, isExportedColumns } from '../pointColumns';

/**
 * What another thread read of a log_history's last entries: its columns, exported to move between threads
 * without a copy, and `end`, where that read of the array ended (-1: none).
 */
export interface TailPoints extends ExportedColumns {
  readonly end: number;
}

/** Whether a message is TailPoints (it came from another thread: checked, not trusted). */
export function isTailPoints(message: unknown): message is TailPoints {
  if (!isExportedColumns(message)) return false;
  const end = (message as Partial<Record<'end', unknown>>).end;
  return typeof end === 'number' && Number.isInteger(end);
}
