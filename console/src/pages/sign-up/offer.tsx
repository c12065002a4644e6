/**
 * "Create an account" under the sign-in form, when the gateway takes sign-ups from anyone (`open`) or the link
 * carries an invite; hidden otherwise, and while the answer is on its way.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../../api/client.js';
import type { ConsoleConfigView } from '../../api/types.js';
import { Link, useQueryState } from '../../router/router.js';
import { t } from './messages.js';

export function SignUpOffer() {
  const [q] = useQueryState();
  const [mode, setMode] = useState<ConsoleConfigView['signup'] | null>(null);
  useEffect(() => {
    getJson<ConsoleConfigView>('/v1/console/config').then(
      (c) => setMode(c.signup),
      () => setMode(null),
    );
  }, []);
  if (mode !== 'open' && !q.invite) return null;
  const to = q.invite ? `/sign-up?invite=${encodeURIComponent(q.invite)}` : '/sign-up';
  return (
    <p class="sign-up-offer">
      {t('offer')} <Link to={to}>{t('create')}</Link>
    </p>
  );
}
