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

export class WalCheckpointer {
  private readonly words = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private commits = 0;

  /**
   * Start checkpointing `file` (already in WAL mode) on a worker thread. `onError` hears why the thread
   * stopped, if it stops on its own; the connection's own checkpoints then carry on alone, as by default.
   */
  constructor(file: string, onError: (err: Error) => void = () => {}) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, words: this.words.buffer, idleMs: IDLE_CHECKPOINT_MS },
      // The thread holds one SQLite connection and runs one statement: no need for the default heap sizes.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 },
    });
    this.worker.unref();
    this.worker.once('error', onError);
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Called after every COMMIT: every COMMITS_PER_CHECKPOINT-th wakes the thread. */
  committed(): void {
    if (++this.commits < COMMITS_PER_CHECKPOINT) return;
    this.commits = 0;
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
  }

  /** Stop the thread and wait until its connection is closed. */
  async stop(): Promise<void> {
    Atomics.store(this.words, STOP, 1);
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
    await this.exited;
  }
}
