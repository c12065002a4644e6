/** How the console writes money, times and counts: currency units from micro-units, the browser's local time. */

const MICRO = 1_000_000;

/** Micro-units as currency units with the currency, e.g. `12.50 USD`; sub-cent amounts keep their digits. */
export function money(micro: number | null | undefined, currency: string): string {
  if (micro === null || micro === undefined) return '—';
  return `${(micro / MICRO).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 })} ${currency}`;
}

/** A currency amount typed by a person, as integer micro-units; null when it is not a plain non-negative number. */
export function parseMoney(text: string): number | null {
  const t = text.trim();
  if (!/^\d+(\.\d{1,6})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * MICRO + Number(frac.padEnd(6, '0'));
}

/** Micro-units as the plain number a money input shows. */
export function moneyInput(micro: number | null | undefined): string {
  return micro === null || micro === undefined ? '' : String(micro / MICRO);
}

const thisYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const otherYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** An ISO string, unix seconds or ms, in the browser's local time. */
export function time(v: string | number | null | undefined, unit: 's' | 'ms' = 's'): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = typeof v === 'number' ? new Date(unit === 's' ? v * 1000 : v) : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return (d.getFullYear() === new Date().getFullYear() ? thisYear : otherYear).format(d);
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toLocaleString(undefined, { maximumFractionDigits: 1 })} ms`;
}

/** A `datetime-local` input's value as unix seconds for the API's from/to; empty stays empty. */
export function localToUnix(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : String(Math.floor(t / 1000));
}
