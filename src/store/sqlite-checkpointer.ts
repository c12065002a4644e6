/**
 * WAL checkpoints on their own thread.
 *
 * In WAL mode every COMMIT appends pages to the -wal file, and by default the connection that commits copies
 * them back into the database file once the WAL passes 1000 pages: a checkpoint, with an fsync of the WAL
 * and another of the database, inside that COMMIT, on the event loop. Measured on the small-image path, one
 * COMMIT in ~100 paid milliseconds for it (COMMIT mean 126 µs against a median of 57), and every request
 * waiting behind it paid too.
 *
 * Here a worker thread with a second connection to the same file runs PASSIVE checkpoints: it copies what
 * is committed without taking the write lock, so the event loop goes on committing while it works.
 *
 * The gateway's connection keeps SQLite's own checkpoint every 1000 pages, because only it can keep the
 * WAL file small: SQLite starts the WAL over at a write only if that write began with every frame already
 * copied, which under steady load never happens while the copying runs elsewhere. By the time its turn
 * comes the thread has copied most of the frames, so it has little left to do. (Leaving the connection's
 * checkpoints to every 5000 pages instead measured the same on small requests and doubled the p99 of async
 * submits: each of those checkpoints had five times as much to catch up on.)
 *
 * The thread starts only once checkpoints weigh on the event loop (SLOW_COMMIT_BUDGET_MS): it costs ~8 MB
 * resident, which a gateway that commits rarely has no reason to pay.
 *
 * The worker's code is plain JavaScript in a string so that it runs the same from the TypeScript sources
 * (tests) and from the build.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits between two wake-ups of the thread: ~5 WAL pages each, so ahead of the connection's 1000 pages. */
const COMMITS_PER_CHECKPOINT = 128;
/** When commits stop, what they left in the WAL is copied this long after. */
const IDLE_CHECKPOINT_MS = 1000;

// Shared words: [0] wake-up generation, [1] stop flag.
const WAKE = 0;
const STOP = 1;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const words = new Int32Array(workerData.words);
const db = new SQLite(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 1000');
let seen = Atomics.load(words, ${WAKE});
try {
  while (Atomics.load(words, ${STOP}) === 0) {
    Atomics.wait(words, ${WAKE}, seen, workerData.idleMs);
    seen = Atomics.load(words, ${WAKE});
    if (Atomics.load(words, ${STOP}) !== 0) break;
    db.pragma('wal_checkpoint(PASSIVE)');
  }
} finally {
  db.close();
}
`;

export interface WalCheckpointerOptions {
  /** Hears why the thread stopped, if it stops on its own; the connection's own checkpoints then carry on alone. */
  onError?: (err: Error) => void;
  /** Hears that the thread started, and how many ms of slow COMMITs in the last second started it. */
  onStart?: (slowCommitMs: number) => void;
  /**
   * `'when-needed'` (the default) starts the thread once slow COMMITs cost the event loop more than
   * SLOW_COMMIT_BUDGET_MS in a second; `'now'` starts it at once.
   */
  start?: 'now' | 'when-needed';
}

/** A COMMIT slower than this ran a checkpoint, or waited on the disk: the time a thread takes off the loop. */
const SLOW_COMMIT_MS = 1;
/**
 * Slow-COMMIT time per second past which the thread starts: 2% of the event loop. The thread costs ~8 MB
 * resident, so it starts only where it pays: small requests at 4 connections spend ~6% of the loop in
 * checkpoints, b64 at 32 connections (fewer, larger requests) ~0.3%.
 */
const SLOW_COMMIT_BUDGET_MS = 20;

export class WalCheckpointer {
  private readonly words = new Int32Array(new SharedArrayBuffer(8));
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  private commits = 0;
  private windowStart = performance.now();
  private slowMs = 0;

  /** Checkpoint `file` (already in WAL mode) on a worker thread, from now or from when it is needed. */
  constructor(private readonly file: string, private readonly opts: WalCheckpointerOptions = {}) {
    if (opts.start === 'now') this.startThread();
  }

  /** Whether the thread has been started. */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Called after every COMMIT with how long it took: every COMMITS_PER_CHECKPOINT-th wakes the thread. */
  committed(ms: number): void {
    if (!this.worker) {
      this.weigh(ms);
      return;
    }
    if (++this.commits < COMMITS_PER_CHECKPOINT) return;
    this.commits = 0;
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
  }

  /** Stop the thread, if it runs, and wait until its connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    Atomics.store(this.words, STOP, 1);
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
    await this.exited;
  }

  /** Adds up slow COMMITs over one-second windows and starts the thread when a window goes over budget. */
  private weigh(ms: number): void {
    if (ms < SLOW_COMMIT_MS) return;
    const now = performance.now();
    if (now - this.windowStart > 1000) {
      this.windowStart = now;
      this.slowMs = 0;
    }
    this.slowMs += ms;
    if (this.slowMs > SLOW_COMMIT_BUDGET_MS && !this.stopped) this.startThread();
  }

  private startThread(): void {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.file, words: this.words.buffer, idleMs: IDLE_CHECKPOINT_MS },
        // The thread holds one SQLite connection and runs one statement: no need for the default heap sizes.
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 },
      });
    } catch (err) {
      // Called from a COMMIT's hook: a thread that cannot be made is reported, never thrown at the database.
      this.stopped = true;
      this.opts.onError?.(err as Error);
      return;
    }
    worker.unref();
    worker.once('error', (err) => this.opts.onError?.(err));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.worker = worker;
    this.opts.onStart?.(this.slowMs);
  }
}
