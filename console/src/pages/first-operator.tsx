/**
 * Signed in with the admin key while no operator user exists: create the first one, then sign in as that
 * user, so day-to-day work is done by a named person the audit log can tell apart.
 */
import { useState } from 'preact/hooks';
import { sendJson } from '../api/client.js';
import { signIn } from '../api/session.js';
import type { ConsoleSessionView, CreateUserBody, UserView } from '../api/types.js';
import { ActionForm, TextField } from '../ui/form.js';

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
      <section class="card narrow">
        <h1>Create the first operator</h1>
        <p>You signed in with the admin key. Create an operator user to sign in with from now on; the audit log records changes under that user.</p>
        <ActionForm action={create} submit="Create operator and sign in">
          <TextField label="Email" type="email" autoComplete="username" value={email} onValue={setEmail} required />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            hint="At least 12 characters."
            value={password}
            onValue={setPassword}
            required
          />
        </ActionForm>
        <button type="button" class="link" onClick={props.onSkip}>
          Not now: continue with the admin key
        </button>
      </section>
    </main>
  );
}
