/**
 * The task state machine. Every status change in the store is a guarded update whose allowed "from"
 * states come from this table, so a terminal status can never change and two workers cannot both finish
 * a task.
 */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';

export const TERMINAL: readonly TaskStatus[] = ['succeeded', 'failed', 'canceled'];

/** to ← allowed from. `running → running` is a lease taken over from a dead worker. */
export const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: [],
  running: ['pending', 'running'],
  succeeded: ['running'],
  failed: ['pending', 'running'],
  canceled: ['pending', 'running'],
};

export const isTerminal = (s: TaskStatus) => TERMINAL.includes(s);
