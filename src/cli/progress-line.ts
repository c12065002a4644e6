/**
 * One line on stderr that a long command (migrate, backup) keeps rewriting as it goes. On a terminal it is
 * redrawn in place; into a file or a pipe each update is a line of its own, so a log keeps the history.
 * stdout stays for the result, which scripts read.
 */
export interface ProgressLine {
  update(text: string): void;
  /** Leaves the last text standing and ends the line. */
  done(text?: string): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const live = stream.isTTY === true;
  let last = '';
  return {
    update(text) {
      if (text === last) return;
      last = text;
      stream.write(live ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    done(text) {
      if (text !== undefined) this.update(text);
      if (live && last) stream.write('\n');
      last = '';
    },
  };
}
