/**
 * Reads of one file never overlap: two at once would both start from the same cursor and store the same points
 * twice, or race on a whole file's replacement. A change that arrives during a read is answered by one more
 * read when it ends, however many changes arrived meanwhile: a busy log's appends cost one read each burst.
 */
export class SerialReads {
  private readonly reading = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();

  /** `readOnce` reads what is new in a file; once `stopped` says so, no further read is started. */
  constructor(
    private readonly readOnce: (path: string) => Promise<void>,
    private readonly stopped: () => boolean,
  ) {}

  /** Resolves when `path` has been read up to at least the moment of the call. */
  read(path: string): Promise<void> {
    const running = this.reading.get(path);
    if (running !== undefined) {
      this.dirty.add(path);
      return running;
    }
    const work = this.readUntilClean(path).finally(() => this.reading.delete(path));
    this.reading.set(path, work);
    return work;
  }

  private async readUntilClean(path: string): Promise<void> {
    do {
      this.dirty.delete(path);
      await this.readOnce(path);
    } while (this.dirty.has(path) && !this.stopped());
  }
}
