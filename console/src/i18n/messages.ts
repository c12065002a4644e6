/**
 * Every string the console shows comes from a message table defined next to the pages that use it:
 *
 *   const t = messages({
 *     en: { title: 'Top up', redeemed: 'Added {amount} to your balance.' },
 *     'zh-CN': { title: '充值', redeemed: '已向余额充值 {amount}。' },
 *   });
 *   t('redeemed', { amount: money(1_000_000, 'USD') })
 *
 * The Chinese table must have exactly the English table's keys (the typecheck says which is missing), so
 * no page can ship half-translated. `{name}` placeholders are filled from the second argument.
 */
import { locale } from './locale.js';

export type Vars = Record<string, string | number>;

export function messages<const K extends string>(tables: { en: Record<K, string>; 'zh-CN': Record<K, string> }) {
  return (key: K, vars?: Vars): string => fill(tables[locale()][key] ?? tables.en[key], vars);
}

function fill(text: string, vars: Vars | undefined): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
