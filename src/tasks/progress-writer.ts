/**
 * Writes a running task's progress as its upstream reports it, at most once per `everyMs`: a websocket may
 * report every sampling step, and each write is a database round trip. The latest value always lands (a
 * trailing write), and a write that fails is only logged: progress is a courtesy, the result is what counts.
 */
export class ProgressWriter {
  private latest: number | undefined;
  private written = -1;
  private timer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;

  constructor(
    private readonly write: (percent: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly everyMs = 1000,
  ) {}

  report(percent: number): void {
    this.latest = percent;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWriteAt + this.everyMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const percent = this.latest;
    if (percent === undefined || percent === this.written) return;
    this.written = percent;
    this.lastWriteAt = Date.now();
    this.write(percent).catch(this.onError);
  }

  /** No write after this: the task is finishing. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
