/** The frame of every signed-in page: side navigation, and a top bar with who is signed in and the sign-out buttons. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { signOut } from '../api/session.js';
import type { ConsoleSessionView } from '../api/types.js';
import { Link } from '../router/router.js';
import { LanguageSwitch } from './language.js';
import { t } from './messages.js';
import { asApiError, ErrorNote } from './status.js';

/** Labels are functions: they are read at render, in the language chosen then. */
export interface NavItem {
  to: string;
  label: () => string;
}

export const NAV: NavItem[] = [
  { to: '/', label: () => t('navOverview') },
  { to: '/accounts', label: () => t('navAccounts') },
  { to: '/keys', label: () => t('navKeys') },
  { to: '/usage', label: () => t('navUsage') },
  { to: '/requests', label: () => t('navRequests') },
  { to: '/tasks', label: () => t('navTasks') },
  { to: '/models', label: () => t('navModels') },
  { to: '/users', label: () => t('navUsers') },
  { to: '/audit', label: () => t('navAudit') },
  { to: '/invites', label: () => t('navInvites') },
  { to: '/topup-codes', label: () => t('navTopupCodes') },
];

/** The nav entry a path belongs to: `/accounts/acct_1` is under Accounts. */
function section(nav: NavItem[], path: string): string {
  const first = `/${path.split('/')[1] ?? ''}`;
  return nav.some((n) => n.to === first) ? first : '/';
}

/** `nav`: the side navigation, the operators' unless given (a member's console has its own). */
export function Layout(props: { session: ConsoleSessionView; path: string; onSignedOut: () => void; children: ComponentChildren; nav?: NavItem[] }) {
  const nav = props.nav ?? NAV;
  const [error, setError] = useState<ApiError | undefined>();
  const out = async (everywhere: boolean) => {
    try {
      await signOut(everywhere);
      props.onSignedOut();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  const who = props.session.user ? props.session.user.email : t('adminKey');
  const current = section(nav, props.path);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="topbar">
        <span class="brand">imagegate</span>
        <span class="who">
          {t('signedInAs')} <strong>{who}</strong>
          {props.session.user ? <span class="muted"> ({t(props.session.user.role === 'member' ? 'roleMember' : 'roleOperator')})</span> : null}
        </span>
        <LanguageSwitch />
        <button type="button" onClick={() => out(false)}>
          {t('signOut')}
        </button>
        <button type="button" onClick={() => out(true)}>
          {t('signOutEverywhere')}
        </button>
      </header>
      <nav class="sidenav" aria-label={t('nav')}>
        <ul>
          {nav.map((n) => (
            <li key={n.to}>
              <Link to={n.to} aria-current={n.to === current ? 'page' : undefined}>
                {n.label()}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <ErrorNote error={error} />
        {props.children}
      </main>
    </div>
  );
}

/** A page's heading row, with its actions on the right. */
export function PageHead(props: { title: string; children?: ComponentChildren; back?: { to: string; label: string } }) {
  return (
    <div class="page-head">
      <div>
        {props.back ? (
          <Link to={props.back.to} class="back">
            ← {props.back.label}
          </Link>
        ) : null}
        <h1>{props.title}</h1>
      </div>
      <div class="head-actions">{props.children}</div>
    </div>
  );
}
