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
 * The gateway's connection still checkpoints, five times less often than by default, because only it can
 * keep the WAL file small: SQLite starts the WAL over at a write only if that write began with every frame
 * already copied, which under steady load never happens while the copying runs elsewhere. When the
 * connection's turn comes, the thread has copied nearly everything, so it costs two fsyncs and little else.
 *
 * The worker's code is plain JavaScript in a string so that it runs the same from the TypeScript sources
 * (tests) and from the build.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** Commits between two wake-ups of the checkpointer: ~5–10 WAL pages each, so about SQLite's 1000-page default. */
const COMMITS_PER_CHECKPOINT = 128;
/** When commits stop, what they left in the WAL is copied this long after. */
const IDLE_CHECKPOINT_MS = 1000;
/** The gateway's own connection checkpoints past this many WAL pages (~20 MB), which restarts the WAL. */
const CONNECTION_CHECKPOINT_PAGES = 5000;
/** SQLite's default, restored when the checkpointer is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// Shared words: [0] wake-up generation, [1] stop flag.
const WAKE = 0;
const STOP = 1;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
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
parentPort.postMessage('stopped');
`;

export class WalCheckpointer {
  private readonly words = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private commits = 0;
  private alive = true;

  /**
   * Start checkpointing `file` (already in WAL mode) on a worker thread, and turn `db`'s own automatic
   * checkpoints down to one in CONNECTION_CHECKPOINT_PAGES. `onError` hears why the thread stopped, if it stops on its own.
   */
  constructor(private readonly db: SQLite.Database, file: string, onError: (err: Error) => void = () => {}) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, words: this.words.buffer, idleMs: IDLE_CHECKPOINT_MS },
      // The thread holds one SQLite connection and runs one statement: no need for the default heap sizes.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 },
    });
    this.worker.unref();
    this.exited = new Promise((resolve) => {
      this.worker.once('error', (err) => {
        this.fallBack();
        onError(err);
      });
      this.worker.once('exit', () => {
        this.fallBack();
        resolve();
      });
    });
    db.pragma(`wal_autocheckpoint = ${CONNECTION_CHECKPOINT_PAGES}`);
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

  /** Without the thread, the connection checkpoints as SQLite does by default. */
  private fallBack(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }
}
