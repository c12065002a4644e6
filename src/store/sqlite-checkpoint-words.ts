/**
 * What the WAL checkpoint thread and the gateway's connection share (store/sqlite-checkpointer.ts): the
 * indexes and values of their shared words, and what the thread is started with.
 */

/** Shared word: wake-up generation, bumped every COMMITS_PER_CHECKPOINT commits. */
export const WAKE = 0;
/** Shared word: non-zero once the thread must stop. */
export const STOP = 1;
/** Shared word: the hold state (HOLD_*). */
export const HOLD = 2;
/** How many shared words there are. */
export const WORDS = 3;

/** No hold. */
export const HOLD_NONE = 0;
/** The thread asks the connection to hold its next group. */
export const HOLD_ASKED = 1;
/** The connection holds: no group is open and none opens until the thread lets go. */
export const HOLD_HELD = 2;

/** The thread's message once its connection is open. */
export const THREAD_READY = 'ready';
/** The thread's message when it lets go of a hold. */
export const THREAD_RELEASED = 'released';

/** The thread's workerData. */
export interface CheckpointThreadData {
  /** The database file, already in WAL mode. */
  file: string;
  /** The shared words (an Int32Array's buffer). */
  words: SharedArrayBuffer;
  /** When commits stop, what they left in the WAL is copied this long after. */
  idleMs: number;
  /** A WAL this long (frames) is started over. */
  restartFrames: number;
  /** How long the thread waits for the connection to hold before copying anyway. */
  holdAnswerMs: number;
}
