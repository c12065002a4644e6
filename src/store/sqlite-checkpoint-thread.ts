/**
 * The WAL checkpoint thread (started by store/sqlite-checkpointer.ts, which says why): a second connection
 * to the database file runs PASSIVE checkpoints when the gateway's connection wakes it, and starts the WAL
 * over, with the connection holding its writes for the last copy, once the WAL is RESTART_FRAMES long.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { type CheckpointThreadData, HOLD, HOLD_ASKED, HOLD_NONE, STOP, THREAD_READY, THREAD_RELEASED, WAKE } from './sqlite-checkpoint-words.js';

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

const data = workerData as CheckpointThreadData;
const words = new Int32Array(data.words);
const db = new SQLite(data.file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 1000');
const checkpoint = () => (db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])[0]!;
const stopping = () => Atomics.load(words, STOP) !== 0;
parentPort?.postMessage(THREAD_READY);

let seen = Atomics.load(words, WAKE);
try {
  while (!stopping()) {
    Atomics.wait(words, WAKE, seen, data.idleMs);
    seen = Atomics.load(words, WAKE);
    if (stopping()) break;
    const done = checkpoint();
    if (done.log < data.restartFrames) continue;
    // Start the WAL over: hold the connection's writes, copy what is left, let go.
    Atomics.store(words, HOLD, HOLD_ASKED);
    Atomics.wait(words, HOLD, HOLD_ASKED, data.holdAnswerMs);
    // A write outside any group can still land while held: copy until nothing is left, a few times at most.
    for (let i = 0; i < 5 && !stopping(); i++) {
      const r = checkpoint();
      if (r.checkpointed >= r.log) break;
      Atomics.wait(words, STOP, 0, 1);
    }
    Atomics.store(words, HOLD, HOLD_NONE);
    parentPort?.postMessage(THREAD_RELEASED);
    // Wake-ups that came during the hold are spent: checking again at once would find the WAL as long as
    // before (the write that starts it over is only now let go), ask for a second hold for nothing, and
    // its checkpoint could keep that write from starting the WAL over.
    seen = Atomics.load(words, WAKE);
  }
} finally {
  Atomics.store(words, HOLD, HOLD_NONE);
  db.close();
}
