/**
 * Sign up at /console/sign-up: email and password, and the invite token from the link (`?invite=`). The
 * gateway decides whether sign-up is open and what the invite allows; its refusal shows here naming the field.
 */
import { useState } from 'preact/hooks';
import { signUp } from '../../api/session.js';
import type { ConsoleSessionView } from '../../api/types.js';
import { Link, navigate, useQueryState } from '../../router/router.js';
import { ActionForm, TextField } from '../../ui/form.js';
import { t } from './messages.js';

export function SignUpPage(props: { onSignedIn: (s: ConsoleSessionView) => void }) {
  const [q] = useQueryState();
  const invite = q.invite || undefined;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = async () => {
    const session = await signUp({ email, password, ...(invite ? { invite } : {}) });
    // The member's home, without the invite in the address bar.
    navigate('/', { replace: true });
    props.onSignedIn(session);
  };
  return (
    <main class="center" id="main">
      <section class="card narrow">
        <h1>{t('title')}</h1>
        {invite ? <p class="note ok">{t('withInvite')}</p> : null}
        <ActionForm action={submit} submit={t('submit')}>
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
        <p>
          <Link to="/">{t('haveAccount')}</Link>
        </p>
      </section>
    </main>
  );
}
