/**
 * Signed in with the admin key while no operator user exists: create the first one, then sign in as that
 * user, so day-to-day work is done by a named person the audit log can tell apart.
 */
import { useState } from 'preact/hooks';
import { sendJson } from '../api/client.js';
import { signIn } from '../api/session.js';
import type { ConsoleSessionView, CreateUserBody, UserView } from '../api/types.js';
import { ActionForm, TextField } from '../ui/form.js';
import { LanguageSwitch } from '../ui/language.js';
import { t } from './sign-in.messages.js';

export function FirstOperatorPage(props: { onSignedIn: (s: ConsoleSessionView) => void; onSkip: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const create = async () => {
    const body: CreateUserBody = { email, password, role: 'operator' };
    await sendJson<UserView>('POST', '/v1/admin/users', body);
    props.onSignedIn(await signIn({ email, password }));
  };
  return (
    <main class="center" id="main">
      <LanguageSwitch />
      <section class="card narrow">
        <h1>{t('firstTitle')}</h1>
        <p>{t('firstText')}</p>
        <ActionForm action={create} submit={t('firstSubmit')}>
          <TextField label={t('email')} type="email" autoComplete="username" value={email} onValue={setEmail} required />
          <TextField
            label={t('password')}
            type="password"
            autoComplete="new-password"
            hint={t('passwordHint')}
            value={password}
            onValue={setPassword}
            required
          />
        </ActionForm>
        <button type="button" class="link" onClick={props.onSkip}>
          {t('notNow')}
        </button>
      </section>
    </main>
  );
}
