import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { App } from './app.js';
import { locale, onLocale } from './i18n/locale.js';
import './styles.css';

/** Re-renders the app in the new language when the person switches it; what the pages loaded stays. */
function Root() {
  const [lang, setLang] = useState(locale());
  useEffect(() => onLocale(setLang), []);
  return <App lang={lang} />;
}

document.documentElement.lang = locale();
render(<Root />, document.getElementById('app')!);
