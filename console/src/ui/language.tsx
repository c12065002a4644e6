/** The language switch: a labelled select of the console's languages, each named in itself; the choice is remembered. */
import { useId } from 'preact/hooks';
import { LOCALE_NAMES, LOCALES, type Locale, locale, setLocale } from '../i18n/locale.js';
import { t } from './messages.js';

export function LanguageSwitch() {
  const id = useId();
  return (
    <span class="language">
      <label for={id}>{t('language')}</label>
      <select id={id} value={locale()} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </span>
  );
}
