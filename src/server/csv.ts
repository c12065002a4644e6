/** CSV exports of the admin API (ledger, usage): RFC 4180 cells, one header row, the JSON list's field names. */
import type { FastifyReply } from 'fastify';

/**
 * A cell: quoted when it holds a comma, a quote or a line break (its quotes doubled); null is empty. Text
 * that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a leading
 * apostrophe: notes and names come from people, and an export is opened in a spreadsheet. Numbers stay numbers.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<C extends string>(columns: readonly C[], rows: ReadonlyArray<Partial<Record<C, unknown>>>): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`;
}

/** Marks the reply as a CSV download named `filename`, so a browser link saves it rather than shows it. */
export function asCsv(reply: FastifyReply, filename: string): void {
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
}
