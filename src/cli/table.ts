/**
 * Plain-text tables and field lists for a terminal: columns padded to their widest cell, cut to fit the
 * terminal's width (100 columns when output is not a terminal). Ids are never cut, so they can be copied.
 */

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  /** Numbers and money line up on the right. */
  align?: 'right';
  /** May be cut, with an ellipsis, when the table is wider than the terminal. */
  shrink?: boolean;
}

const GAP = '  ';
const MIN_CUT_WIDTH = 8;

/** The width output is laid out for: the terminal's, or 100 columns when piped. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? stream.columns : 100;
}

const length = (s: string) => [...s].length;

/** One line per cell: line breaks and tabs in stored text would break the rows apart. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function cut(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - length(s)));
  return align === 'right' ? fill + s : s + fill;
}

export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[], width = outputWidth()): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => oneLine(c.value(r))));
  const widths = columns.map((c, i) => Math.max(length(c.header), ...cells.map((row) => length(row[i]!))));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - width;
  // Take a character at a time from the widest column that may be cut, so the cuts spread evenly.
  while (excess > 0) {
    let widest = -1;
    columns.forEach((c, i) => {
      const floor = Math.max(MIN_CUT_WIDTH, length(c.header));
      if (c.shrink && widths[i]! > floor && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]!--;
    excess--;
  }
  const line = (row: readonly string[]) =>
    row
      .map((s, i) => pad(cut(s, widths[i]!), widths[i]!, columns[i]!.align ?? 'left'))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** A single record as `label  value` lines; entries whose value is undefined are left out. */
export function renderFields(fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const labelWidth = Math.max(0, ...shown.map(([label]) => length(label)));
  return shown.map(([label, value]) => `${pad(`${label}:`, labelWidth + 1, 'left')} ${value}`).join('\n');
}
