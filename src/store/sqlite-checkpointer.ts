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
 * Only a write can start the WAL over, and only one that begins with every frame already copied: under
 * steady load that never happens while the copying runs elsewhere, so the WAL would grow without end. Once
 * the WAL passes RESTART_FRAMES, the thread asks the gateway's connection to hold its next group (`gate`);
 * the connection says it holds (no group open, none will open), the thread copies the last frames, and lets
 * it go: the group that follows starts the WAL over. Writes outside a group (a lone UPDATE) hold too, and
 * count as commits. The connection waits a few ms without blocking the event loop; before, it ran SQLite's
 * own checkpoint every 1000 pages inside a COMMIT, two fsyncs on the event loop: on small requests at 4
 * connections COMMITs took 600 ms of every 5 s, now 360 (p99 1.3 ms → 0.24 ms). The WAL now stays within
 * ~1000 frames plus what 128 commits add (4–12 MB under the bench's loads). The connection keeps SQLite's
 * checkpoint only as a backstop, at BACKSTOP_FRAMES (db.ts), for a thread that stops.
 *
 * The thread starts only once checkpoints weigh on the event loop (SLOW_COMMIT_BUDGET_MS): it costs ~8 MB
 * resident, which a gateway that commits rarely has no reason to pay.
 *
 * The thread's code is store/sqlite-checkpoint-thread.ts; what both sides share, sqlite-checkpoint-words.ts.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  type CheckpointThreadData,
  HOLD,
  HOLD_ASKED,
  HOLD_HELD,
  HOLD_NONE,
  STOP,
  THREAD_READY,
  THREAD_RELEASED,
  WAKE,
  WORDS,
} from './sqlite-checkpoint-words.js';

/** Commits between two wake-ups of the thread: ~5 WAL pages each. */
const COMMITS_PER_CHECKPOINT = 128;
/** A WAL this long (~4 MB) is started over: the thread holds the connection's writes for its last copy. */
export const RESTART_FRAMES = 1000;
/** SQLite's own checkpoint on the gateway's connection while the thread runs: a backstop, ~40 MB of WAL. */
export const BACKSTOP_FRAMES = 10_000;
/** How long the thread waits for the connection to hold before copying anyway (an idle gateway never answers). */
const HOLD_ANSWER_MS = 50;
/** How long the connection holds at most, whatever the thread does: a slow disk delays writes, never stops them. */
const HOLD_MAX_MS = 100;
/** When commits stop, what they left in the WAL is copied this long after. */
const IDLE_CHECKPOINT_MS = 1000;

/**
 * The thread's module: built (dist/), the compiled .js beside this file; from the TypeScript sources (tests,
 * `npm run dev`), a plain module that loads the .ts through tsx.
 */
function threadModule(): URL {
  const built = new URL('./sqlite-checkpoint-thread.js', import.meta.url);
  return existsSync(built) ? built : new URL('./sqlite-checkpoint-thread-from-source.mjs', import.meta.url);
}

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
  private readonly words = new Int32Array(new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT));
  /** While the connection holds for the thread: resolves when the thread lets go (or HOLD_MAX_MS passed). */
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private markReady: () => void = () => {};
  /**
   * Resolves once the thread has its connection open (or is gone). Built, that is a few ms after it starts;
   * from the TypeScript sources, loading it through tsx takes up to a second.
   */
  readonly ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));
  private stopped = false;
  private commits = 0;
  private windowStart = performance.now();
  private slowMs = 0;

  /** Checkpoint `file` (already in WAL mode) on a worker thread, from now or from when it is needed. */
  constructor(
    private readonly file: string,
    private readonly opts: WalCheckpointerOptions = {},
  ) {
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

  /**
   * Called before the connection opens a write group: undefined to go ahead, or a promise to wait for when the
   * thread has asked for a hold (the connection then holds: nothing of it is open, so the thread's next copy
   * takes every frame, and the group that follows starts the WAL over).
   */
  gate(): Promise<void> | undefined {
    if (this.held) return this.held;
    if (Atomics.load(this.words, HOLD) !== HOLD_ASKED) return undefined;
    // Only an ask still standing is answered: the thread may have given up waiting and let go meanwhile.
    if (Atomics.compareExchange(this.words, HOLD, HOLD_ASKED, HOLD_HELD) !== HOLD_ASKED) return undefined;
    Atomics.notify(this.words, HOLD);
    const held = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.letGo(), HOLD_MAX_MS);
      this.release = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.held = held;
    return held;
  }

  /** Stop the thread, if it runs, and wait until its connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    Atomics.store(this.words, STOP, 1);
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
    // Unref'd, the thread never keeps the process alive on its own; but a process with nothing else to do
    // would leave its event loop here before the thread's exit could be heard, and whatever follows close()
    // would never run.
    this.worker?.ref();
    await this.exited;
    this.letGo();
  }

  /** The hold is over: the thread let go, gave up, stopped, or HOLD_MAX_MS passed. */
  private letGo(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
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
      const workerData: CheckpointThreadData = {
        file: this.file,
        words: this.words.buffer as SharedArrayBuffer,
        idleMs: IDLE_CHECKPOINT_MS,
        restartFrames: RESTART_FRAMES,
        holdAnswerMs: HOLD_ANSWER_MS,
      };
      worker = new Worker(threadModule(), {
        workerData,
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
    // A "released" that arrives after its hold timed out may end the next hold early: that round then does
    // not start the WAL over, and the next one does. Nothing else depends on the hold.
    worker.on('message', (m) => {
      if (m === THREAD_READY) this.markReady();
      else if (m === THREAD_RELEASED) this.letGo();
    });
    worker.once('error', (err) => this.opts.onError?.(err));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        // A thread that is gone holds nothing: the connection goes on alone.
        Atomics.store(this.words, HOLD, HOLD_NONE);
        this.letGo();
        this.markReady();
        resolve();
      }),
    );
    this.worker = worker;
    this.opts.onStart?.(this.slowMs);
  }
}
