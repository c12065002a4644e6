/**
 * The playground: try a model before writing code. It makes itself a short-lived key of the member's account
 * (key.ts) and calls the public image API with it, so every run is billed, limited and logged like API
 * traffic. Someone without an account of their own (an operator) pastes a client key instead.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../../api/client.js';
import { ActionForm, TextField } from '../../ui/form.js';
import { PageHead } from '../../ui/layout.js';
import { asApiError, ErrorNote, Loading } from '../../ui/status.js';
import { type PlaygroundKey, playgroundKey, setPastedKey } from './key.js';
import { t } from './messages.js';
import { Workbench } from './workbench.js';
import './playground.css';

export function PlaygroundPage() {
  const [key, setKey] = useState<PlaygroundKey>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    playgroundKey().then(setKey, (e: unknown) => setError(asApiError(e)));
  }, []);
  return (
    <>
      <PageHead title={t('title')} />
      <p class="muted">{t('intro')}</p>
      {key ? <Workbench apiKey={key} /> : null}
      {!key && !error ? <Loading what={t('makingKey')} /> : null}
      {!key && error ? <PasteKey error={error} onKey={setKey} /> : null}
    </>
  );
}

/** When no key can be made (no member session), the gateway's reason, and a client key to paste instead. */
function PasteKey(props: { error: ApiError; onKey: (k: PlaygroundKey) => void }) {
  const [secret, setSecret] = useState('');
  return (
    <section class="card">
      <h2>{t('noKeyTitle')}</h2>
      <ErrorNote error={props.error} />
      <p>{t('pasteKeyHint')}</p>
      <ActionForm
        submit={t('useKey')}
        action={async () => {
          if (!secret.trim()) throw asApiError(new Error(t('keyRequired')));
          props.onKey(setPastedKey(secret.trim()));
        }}
      >
        <TextField type="password" label={t('apiKey')} value={secret} onValue={setSecret} autoComplete="off" />
      </ActionForm>
    </section>
  );
}
