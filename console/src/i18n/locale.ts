/**
 * The console's language: English or Simplified Chinese, chosen by the person (remembered in this browser)
 * or else taken from the browser's own preference. Changing it re-renders the whole app (see app.tsx).
 */

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const STORAGE_KEY = 'imagegate.locale';

function initial(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    /* storage refused (private mode): fall back to the browser's preference */
  }
  const preferred = globalThis.navigator?.languages ?? [];
  return preferred.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

let current: Locale = initial();
const listeners = new Set<(l: Locale) => void>();

export function locale(): Locale {
  return current;
}

/** Switches the language and remembers the choice in this browser. */
export function setLocale(l: Locale): void {
  current = l;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    /* not remembered; the switch still applies to this page */
  }
  document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

/** Calls `f` on every switch; returns the unsubscribe. */
export function onLocale(f: (l: Locale) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
