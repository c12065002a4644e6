/** Sign in with email and password, or with the admin key (the way in before any operator exists). */
import { useState } from 'preact/hooks';
import { signIn } from '../api/session.js';
import type { ConsoleSessionView } from '../api/types.js';
import { ActionForm, TextField } from '../ui/form.js';
import { LanguageSwitch } from '../ui/language.js';
import { t } from './sign-in.messages.js';
import { SignUpOffer } from './sign-up/offer.js';

export function SignInPage(props: { onSignedIn: (s: ConsoleSessionView) => void }) {
  const [withKey, setWithKey] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [adminKey, setAdminKey] = useState('');
  const submit = async () => props.onSignedIn(await signIn(withKey ? { admin_key: adminKey } : { email, password }));
  return (
    <main class="center" id="main">
      <LanguageSwitch />
      <section class="card narrow">
        <h1>{t('title')}</h1>
        <ActionForm action={submit} submit={t('signIn')}>
          {withKey ? (
            <TextField label={t('adminKey')} type="password" autoComplete="off" value={adminKey} onValue={setAdminKey} required />
          ) : (
            <>
              <TextField label={t('email')} type="email" autoComplete="username" value={email} onValue={setEmail} required />
              <TextField label={t('password')} type="password" autoComplete="current-password" value={password} onValue={setPassword} required />
            </>
          )}
        </ActionForm>
        <button type="button" class="link" onClick={() => setWithKey(!withKey)}>
          {withKey ? t('useEmail') : t('useKey')}
        </button>
        <SignUpOffer />
      </section>
    </main>
  );
}
