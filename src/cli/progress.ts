/**
 * A progress line for long commands (an export, a backup, a migration): one line on stderr, rewritten in
 * place. Only on a terminal: piped or redirected, stderr stays free of it, so logs and scripts see only
 * what they asked for.
 */

export interface Progress {
  /** Shows `label: text`, at most ten times a second. */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

const MIN_INTERVAL_MS = 100;

export function progressLine(label: string, stream: ProgressStream = process.stderr, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < MIN_INTERVAL_MS) return;
      last = t;
      shown = true;
      stream.write(`\r\x1b[2K${label}: ${text}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** A byte count for people: `512 B`, `3.4 KB`, `12.0 MB`. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
