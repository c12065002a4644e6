/** "Copy as code": the request as it will run, in curl, the openai Node SDK or the openai Python SDK. */
import { useState } from 'preact/hooks';
import { CopyButton } from '../../ui/copy.js';
import { t } from './messages.js';
import type { PlaygroundRequest } from './request.js';
import { type Language, snippet } from './snippets.js';

const LANGUAGES: Array<[Language, string]> = [
  ['curl', 'curl'],
  ['node', 'Node (openai)'],
  ['python', 'Python (openai)'],
];

export function CodeSnippets(props: { request: PlaygroundRequest }) {
  const [lang, setLang] = useState<Language>('curl');
  const text = snippet(lang, props.request, location.origin);
  return (
    <details class="code-snippets">
      <summary>{t('copyAsCode')}</summary>
      <div class="section-head">
        <fieldset class="segmented">
          <legend class="sr-only">{t('language')}</legend>
          {LANGUAGES.map(([l, label]) => (
            <button key={l} type="button" aria-pressed={l === lang} onClick={() => setLang(l)}>
              {label}
            </button>
          ))}
        </fieldset>
        <CopyButton text={text} label={t('copySnippet')} />
      </div>
      <pre class="json" data-snippet={lang}>
        <code>{text}</code>
      </pre>
      <p class="muted small">{t('snippetKeyHint')}</p>
    </details>
  );
}
