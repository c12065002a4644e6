/** The frame of every signed-in page: side navigation, and a top bar with who is signed in and the sign-out buttons. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { signOut } from '../api/session.js';
import type { ConsoleSessionView } from '../api/types.js';
import { Link } from '../router/router.js';
import { asApiError, ErrorNote } from './status.js';

export interface NavItem {
  to: string;
  label: string;
}

export const NAV: NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/keys', label: 'Keys' },
  { to: '/usage', label: 'Usage' },
  { to: '/requests', label: 'Requests' },
  { to: '/tasks', label: 'Tasks' },
  { to: '/models', label: 'Models' },
  { to: '/users', label: 'Users' },
  { to: '/audit', label: 'Audit log' },
  { to: '/invites', label: 'Invites' },
  { to: '/topup-codes', label: 'Top-up codes' },
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
  const who = props.session.user ? props.session.user.email : 'Admin key';
  const current = section(nav, props.path);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">imagegate</span>
        <span class="who">
          Signed in as <strong>{who}</strong>
          {props.session.user ? <span class="muted"> ({props.session.user.role})</span> : null}
        </span>
        <button type="button" onClick={() => out(false)}>
          Sign out
        </button>
        <button type="button" onClick={() => out(true)}>
          Sign out everywhere
        </button>
      </header>
      <nav class="sidenav" aria-label="Console">
        <ul>
          {nav.map((n) => (
            <li key={n.to}>
              <Link to={n.to} aria-current={n.to === current ? 'page' : undefined}>
                {n.label}
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
