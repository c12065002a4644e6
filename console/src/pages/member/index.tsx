/**
 * A member's console: their own account's pages under their own navigation. Every record page reads through
 * the member scope (/v1/console/account), so nothing here calls the admin API, which refuses members.
 */
import type { ComponentChildren } from 'preact';
import type { ConsoleSessionView } from '../../api/types.js';
import { match } from '../../router/router.js';
import { Layout, type NavItem } from '../../ui/layout.js';
import { MEMBER_SCOPE, ScopeContext } from '../../ui/scope.js';
import { PlaygroundPage } from '../playground/index.js';
import { RequestDetailPage } from '../request-detail.js';
import { RequestsPage } from '../requests.js';
import { TaskDetailPage } from '../task-detail.js';
import { TasksPage } from '../tasks.js';
import { MemberHomePage } from './home.js';
import { MemberKeysPage } from './keys.js';
import { t } from './messages.js';
import { TopUpPage } from './top-up.js';

function memberNav(): NavItem[] {
  return [
    { to: '/', label: () => t('navHome') },
    { to: '/keys', label: () => t('navKeys') },
    { to: '/requests', label: () => t('navRequests') },
    { to: '/tasks', label: () => t('navTasks') },
    { to: '/top-up', label: () => t('navTopUp') },
    { to: '/playground', label: () => t('navPlayground') },
  ];
}

const ROUTES: Array<[pattern: string, page: (params: Record<string, string>) => ComponentChildren]> = [
  ['/', () => <MemberHomePage />],
  ['/keys', () => <MemberKeysPage />],
  ['/requests', () => <RequestsPage />],
  ['/requests/:id', (p) => <RequestDetailPage id={p.id!} />],
  ['/tasks', () => <TasksPage />],
  ['/tasks/:id', (p) => <TaskDetailPage id={p.id!} />],
  ['/top-up', () => <TopUpPage />],
  ['/playground', () => <PlaygroundPage />],
];

function MemberRoutes(props: { path: string }) {
  for (const [pattern, page] of ROUTES) {
    const params = match(pattern, props.path);
    if (params) return <>{page(params)}</>;
  }
  // An operator's page path (a shared link, say) shows the member's home rather than a refusal.
  return <MemberHomePage />;
}

export function MemberConsole(props: { session: ConsoleSessionView; path: string; onSignedOut: () => void }) {
  return (
    <ScopeContext.Provider value={MEMBER_SCOPE}>
      <Layout session={props.session} path={props.path} onSignedOut={props.onSignedOut} nav={memberNav()}>
        <MemberRoutes path={props.path} />
      </Layout>
    </ScopeContext.Provider>
  );
}
