/**
 * Money as people read and type it: integer micro-units to currency units and back, exactly. The console and
 * the CLI both write amounts with these, so `12.50 USD` means the same on a page and in a terminal. This
 * module imports nothing, so the console can bundle it.
 */

export const MICRO_PER_UNIT = 1_000_000;

/** Micro-units as an exact decimal: 12_500_001 → "12.500001", -5 → "-0.000005". Integer arithmetic only. */
export function decimalAmount(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  return `${sign}${Math.floor(abs / MICRO_PER_UNIT)}.${String(abs % MICRO_PER_UNIT).padStart(6, '0')}`;
}

/** An amount typed by a person ("12.5") as micro-units; null unless plain, non-negative, at most six decimals. */
export function parseAmount(text: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  const micro = Number(m[1]) * MICRO_PER_UNIT + Number((m[2] ?? '').padEnd(6, '0'));
  return Number.isSafeInteger(micro) ? micro : null;
}

// Intl formats a decimal string exactly (ECMA-402 since 2023, Node 19+); the es2022 lib types know numbers only.
type ExactNumberFormat = { format(value: string): string };
const formats = new Map<string, ExactNumberFormat>();

/** Cents always shown, sub-cent digits kept up to the micro-unit. */
function amountFormat(locale: string): ExactNumberFormat {
  let f = formats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 6 }) as unknown as ExactNumberFormat;
    formats.set(locale, f);
  }
  return f;
}

/** Micro-units in currency units in a language's conventions: 12_500_000 → "12.50", 1_234_567_000 → "1,234.567". */
export function formatAmount(micro: number, locale = 'en'): string {
  return amountFormat(locale).format(decimalAmount(micro));
}

/** Micro-units with the currency as it is to be shown: `12.50 USD`. */
export function formatMoney(micro: number, currencyText: string, locale = 'en'): string {
  return `${formatAmount(micro, locale)} ${currencyText}`.trimEnd();
}
