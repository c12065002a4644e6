/** A button that copies a value (a key's secret, shown once) to the clipboard and says it did. */
import { useState } from 'preact/hooks';
import { t } from './messages.js';

export function CopyButton(props: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(props.text);
    setDone(true);
    setTimeout(() => setDone(false), 2000);
  };
  return (
    <button type="button" onClick={copy} aria-label={props.label}>
      {done ? t('copied') : t('copy')}
    </button>
  );
}
