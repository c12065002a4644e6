/**
 * Image decodes (sharp) running at once in this process, bounded: each decode holds its image's pixels
 * uncompressed (4 bytes each), so parallel requests multiply that memory. The per-request pixel budget
 * (IMAGEGATE_MAX_REQUEST_PIXELS) bounds one decode job; this bounds how many run together
 * (IMAGEGATE_DECODE_CONCURRENCY). Waiters are served first come, first served.
 */
export class DecodeSlots {
  private used = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private capacity: number) {}

  /** Set once at start from the configuration; slots already held are kept. */
  resize(capacity: number): void {
    this.capacity = Math.max(1, capacity);
    while (this.used < this.capacity && this.queue.length) {
      this.used++;
      this.queue.shift()!();
    }
  }

  get inUse(): number {
    return this.used;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.used < this.capacity && this.queue.length === 0) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the oldest waiter, so `used` stays the same.
    if (next && this.used <= this.capacity) next();
    else this.used--;
  }
}

/** The process's decode slots, sized from the configuration when the gateway starts. */
export const decodeSlots = new DecodeSlots(2);
