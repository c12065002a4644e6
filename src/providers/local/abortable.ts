/**
 * Native image work cannot be interrupted once started, so the renderer keeps each step short and waits
 * on it only until the signal aborts: the caller is answered at once and at most one step runs on unseen.
 */

/** Settles like `work`, or rejects with the signal's reason as soon as it aborts, whichever comes first. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {}); // Its outcome no longer matters; an unhandled rejection would still be reported.
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
