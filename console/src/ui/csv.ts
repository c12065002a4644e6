/**
 * CSV made in the browser, for data the gateway shows only once (a new batch of top-up codes): asking the
 * gateway again would make another batch. Cells follow the gateway's own CSV rules (src/server/csv.ts): a
 * leading = + - @ is quoted with ' so a spreadsheet shows it rather than runs it.
 */
function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<C extends string>(columns: readonly C[], rows: ReadonlyArray<Record<C, string | number | null>>): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
}

/** Hands `text` to the browser as a download named `filename`. */
export function saveCsv(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
