/**
 * What a member of an account sees at every console path: the admin API refuses members, so instead of
 * operator pages full of refusals there is one page that says so, with sign-out.
 */
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { signOut } from '../api/session.js';
import type { UserView } from '../api/types.js';
import { asApiError, ErrorNote } from '../ui/status.js';

export function MemberPage(props: { user: UserView; onSignedOut: () => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const out = async () => {
    try {
      await signOut(false);
      props.onSignedOut();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  return (
    <main class="center" id="main">
      <section class="card narrow">
        <h1>Operators only, for now</h1>
        <p>
          You are signed in as <strong>{props.user.email}</strong>, a member of account <code>{props.user.account_id ?? '—'}</code>.
        </p>
        <p>The pages of this console are for the gateway's operators. Pages for your own account — its keys, balance and usage — come later.</p>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="button" class="primary" onClick={out}>
            Sign out
          </button>
        </div>
      </section>
    </main>
  );
}
