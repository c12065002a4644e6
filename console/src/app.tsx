/**
 * The console: find the session, then either the sign-in page, the first-operator page, a member's page (the
 * operator pages are not theirs), or the signed-in app.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api/client.js';
import { loadSession } from './api/session.js';
import type { ConsoleSessionView } from './api/types.js';
import { FirstOperatorPage } from './pages/first-operator.js';
import { MemberConsole } from './pages/member/index.js';
import { SignInPage } from './pages/sign-in.js';
import { SignUpPage } from './pages/sign-up/index.js';
import { Routes } from './routes.js';
import { useLocation } from './router/router.js';
import { Layout } from './ui/layout.js';
import { t } from './ui/messages.js';
import { asApiError, ErrorNote, Loading } from './ui/status.js';

type State = { kind: 'loading' } | { kind: 'failed'; error: ApiError } | { kind: 'signed-out' } | { kind: 'signed-in'; session: ConsoleSessionView };

/** `lang` is the current language: a new one renders every page again, in it. */
export function App(_props: { lang: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [skipOperator, setSkipOperator] = useState(false);
  const loc = useLocation();
  useEffect(() => {
    loadSession().then(
      (session) => setState(session ? { kind: 'signed-in', session } : { kind: 'signed-out' }),
      (e: unknown) => setState({ kind: 'failed', error: asApiError(e) }),
    );
  }, []);
  const signedIn = (session: ConsoleSessionView) => setState({ kind: 'signed-in', session });

  switch (state.kind) {
    case 'loading':
      return <Loading what={t('opening')} />;
    case 'failed':
      return (
        <main class="center" id="main">
          <section class="card narrow">
            <h1>{t('cannotStart')}</h1>
            <ErrorNote error={state.error} />
          </section>
        </main>
      );
    case 'signed-out':
      return loc.path === '/sign-up' ? <SignUpPage onSignedIn={signedIn} /> : <SignInPage onSignedIn={signedIn} />;
    case 'signed-in':
      if (state.session.user?.role === 'member')
        return <MemberConsole session={state.session} path={loc.path} onSignedOut={() => setState({ kind: 'signed-out' })} />;
      if (state.session.needs_operator && state.session.via === 'admin_key' && !skipOperator) {
        return <FirstOperatorPage onSignedIn={signedIn} onSkip={() => setSkipOperator(true)} />;
      }
      return (
        <Layout session={state.session} path={loc.path} onSignedOut={() => setState({ kind: 'signed-out' })}>
          <Routes path={loc.path} />
        </Layout>
      );
  }
}
