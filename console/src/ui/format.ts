/**
 * How the console writes money, times and counts: in the chosen language's conventions (`locale()`), money
 * from micro-units, times in the browser's local time zone. Formatters are made once per language.
 */
import { formatMoney, MICRO_PER_UNIT, parseAmount } from '../../../src/domain/money.js';
import { type Locale, locale } from '../i18n/locale.js';

/** One formatter per language and purpose, built on first use. */
function perLocale<F>(make: (l: Locale) => F): () => F {
  const made = new Map<Locale, F>();
  return () => {
    const l = locale();
    let f = made.get(l);
    if (!f) {
      f = make(l);
      made.set(l, f);
    }
    return f;
  };
}

const integer = perLocale((l) => new Intl.NumberFormat(l));
const percentFormat = perLocale((l) => new Intl.NumberFormat(l, { style: 'percent', maximumFractionDigits: 1 }));
const msFormat = perLocale((l) => new Intl.NumberFormat(l, { style: 'unit', unit: 'millisecond', maximumFractionDigits: 1 }));
const currencyNames = perLocale((l) => new Intl.DisplayNames(l, { type: 'currency', fallback: 'code' }));
const thisYear = perLocale((l) => new Intl.DateTimeFormat(l, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }));
const otherYear = perLocale((l) => new Intl.DateTimeFormat(l, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
const hourFormat = perLocale((l) => new Intl.DateTimeFormat(l, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
const dayFormat = perLocale((l) => new Intl.DateTimeFormat(l, { month: 'short', day: 'numeric' }));
const dateFormat = perLocale((l) => new Intl.DateTimeFormat(l, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }));

/**
 * The currency as people of the language write it: English keeps the code (`USD`), Chinese names it
 * (`美元`). A code Intl does not know (a deployment's own unit) stays as it is.
 */
function currencyText(currency: string): string {
  if (locale() === 'en' || !/^[A-Z]{3}$/.test(currency)) return currency;
  try {
    return currencyNames().of(currency) ?? currency;
  } catch {
    return currency;
  }
}

/** Micro-units as currency units with the currency, e.g. `12.50 USD` or `12.50 美元`; sub-cent amounts keep their digits. */
export function money(micro: number | null | undefined, currency: string): string {
  if (micro === null || micro === undefined) return '—';
  return formatMoney(micro, currencyText(currency), locale());
}

/** A currency amount typed by a person, as integer micro-units; null when it is not a plain non-negative number. */
export const parseMoney = parseAmount;

/** Micro-units as the plain number a money input shows. */
export function moneyInput(micro: number | null | undefined): string {
  return micro === null || micro === undefined ? '' : String(micro / MICRO_PER_UNIT);
}

function toDate(v: string | number, unit: 's' | 'ms'): Date {
  return typeof v === 'number' ? new Date(unit === 's' ? v * 1000 : v) : new Date(v);
}

/** An ISO string, unix seconds or ms, in the browser's local time. */
export function time(v: string | number | null | undefined, unit: 's' | 'ms' = 's'): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = toDate(v, unit);
  if (Number.isNaN(d.getTime())) return String(v);
  return (d.getFullYear() === new Date().getFullYear() ? thisYear() : otherYear()).format(d);
}

/** A chart bucket's start: the day and hour for hourly buckets, the day alone for daily ones. */
export function bucketTime(v: string | number, daily: boolean, unit: 's' | 'ms' = 'ms'): string {
  const d = toDate(v, unit);
  if (Number.isNaN(d.getTime())) return String(v);
  return (daily ? dayFormat() : hourFormat()).format(d);
}

/** A calendar day the API names as `YYYY-MM-DD` (usage by day, in UTC), e.g. `Dec 7, 2026` or `2026年12月7日`. */
export function day(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : dateFormat().format(d);
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer().format(n);
}

/** A ratio (0.125) as a percentage (`12.5%`). */
export function percent(ratio: number): string {
  return percentFormat().format(ratio);
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : msFormat().format(v);
}

/** A `datetime-local` input's value as unix seconds for the API's from/to; empty stays empty. */
export function localToUnix(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : String(Math.floor(t / 1000));
}
