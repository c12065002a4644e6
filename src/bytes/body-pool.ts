/**
 * Reused buffers for multi-megabyte upstream bodies.
 *
 * Why: a fresh 2 MB buffer per image request is external memory that only a full mark-compact frees. V8
 * decides when to run those from how far external memory grew since the last one, and once its memory
 * reducer has shrunk the heap (after ~10 s idle) that limit stays low: measured, a gateway that sat idle
 * for 30 s then ran 438 mark-compacts in 16 s of b64 load instead of 24, at 0.4× the throughput. Buffers
 * that are lent and given back are not growth, so the collector leaves them alone.
 *
 * Safety is the lease: a request borrows buffers through one `BodyLease` and gives them back only once its
 * answer is on the wire and nothing of it is read again. A lease that is never given back (errors, client
 * hang-ups, tasks) simply drops its buffers to the collector, as before.
 */

/** Bodies below this are cheap to allocate and short-lived; they are not pooled. */
const MIN_POOLED = 256 * 1024;
/** Sizes are rounded up to this step, so bodies of nearly the same size share buffers. */
const STEP = 256 * 1024;
/** A borrower takes a buffer at most this many steps larger than it needs. */
const SLACK_STEPS = 4;
/** Idle buffers kept at most; more are left to the collector. */
const MAX_IDLE_BYTES = 64 * 1024 * 1024;
/** Idle buffers are dropped after this long without a borrower, so a burst does not pin memory for ever. */
const IDLE_TRIM_MS = 30_000;

const idle = new Map<number, Buffer[]>();
let idleBytes = 0;
let trimTimer: NodeJS.Timeout | undefined;

function stepsFor(length: number): number {
  return Math.ceil(length / STEP);
}

function borrow(length: number): Buffer {
  if (length < MIN_POOLED) return Buffer.allocUnsafeSlow(length);
  const steps = stepsFor(length);
  for (let s = steps; s <= steps + SLACK_STEPS; s++) {
    const free = idle.get(s);
    const buf = free?.pop();
    if (buf) {
      idleBytes -= buf.length;
      return buf;
    }
  }
  return Buffer.allocUnsafeSlow(steps * STEP);
}

function giveBack(buf: Buffer): void {
  if (buf.length < MIN_POOLED || idleBytes + buf.length > MAX_IDLE_BYTES) return;
  const steps = buf.length / STEP;
  let free = idle.get(steps);
  if (!free) idle.set(steps, (free = []));
  free.push(buf);
  idleBytes += buf.length;
  scheduleTrim();
}

function scheduleTrim(): void {
  trimTimer?.refresh();
  trimTimer ??= setTimeout(() => {
    trimTimer = undefined;
    idle.clear();
    idleBytes = 0;
  }, IDLE_TRIM_MS).unref();
}

/** Bytes held idle in the pool (the tests check the pool with it). */
export function pooledBytes(): number {
  return idleBytes;
}

/**
 * Where a request's bodies are read into: a buffer of at least `length` bytes whose contents are garbage,
 * valid until the request's owner gives its buffers back. BodyLease is the pooled one.
 */
export interface BufferLender {
  take(length: number): Buffer;
}

/** The buffers one request borrowed; given back at most once, and only when nothing reads them again. */
export class BodyLease implements BufferLender {
  private lent: Buffer[] = [];
  private closed = false;

  /** A buffer of at least `length` bytes whose contents are garbage. */
  take(length: number): Buffer {
    const buf = borrow(length);
    if (!this.closed) this.lent.push(buf);
    return buf;
  }

  /**
   * Returns every borrowed buffer to the pool. The caller promises that no view of them is read or written
   * after this: the next request will overwrite them.
   */
  giveBack(): void {
    if (this.closed) return;
    this.closed = true;
    for (const buf of this.lent) giveBack(buf);
    this.lent = [];
  }
}
