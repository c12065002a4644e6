/** Which page a console path shows. */
import type { ComponentChildren } from 'preact';
import { AccountDetailPage } from './pages/account-detail.js';
import { AccountsPage } from './pages/accounts.js';
import { AuditPage } from './pages/audit.js';
import { KeysPage } from './pages/keys.js';
import { ModelsPage } from './pages/models.js';
import { InvitesPage } from './pages/operator/invites.js';
import { TopupCodesPage } from './pages/operator/topup-codes.js';
import { OverviewPage } from './pages/overview.js';
import { PlaygroundPage } from './pages/playground/index.js';
import { RequestDetailPage } from './pages/request-detail.js';
import { RequestsPage } from './pages/requests.js';
import { TaskDetailPage } from './pages/task-detail.js';
import { TasksPage } from './pages/tasks.js';
import { UsagePage } from './pages/usage.js';
import { UsersPage } from './pages/users.js';
import { match } from './router/router.js';
import { t } from './ui/messages.js';

const ROUTES: Array<[pattern: string, page: (params: Record<string, string>) => ComponentChildren]> = [
  ['/', () => <OverviewPage />],
  ['/accounts', () => <AccountsPage />],
  ['/accounts/:id', (p) => <AccountDetailPage id={p.id!} />],
  ['/keys', () => <KeysPage />],
  ['/usage', () => <UsagePage />],
  ['/requests', () => <RequestsPage />],
  ['/requests/:id', (p) => <RequestDetailPage id={p.id!} />],
  ['/tasks', () => <TasksPage />],
  ['/tasks/:id', (p) => <TaskDetailPage id={p.id!} />],
  ['/models', () => <ModelsPage />],
  ['/users', () => <UsersPage />],
  ['/audit', () => <AuditPage />],
  ['/playground', () => <PlaygroundPage />],
  ['/invites', () => <InvitesPage />],
  ['/topup-codes', () => <TopupCodesPage />],
];

export function Routes(props: { path: string }) {
  for (const [pattern, page] of ROUTES) {
    const params = match(pattern, props.path);
    if (params) return <>{page(params)}</>;
  }
  return (
    <section>
      <h1>{t('notFound')}</h1>
      <p>
        {t('notFoundAt')} <code>{props.path}</code>
      </p>
      <p>{t('chooseFromNav')}</p>
    </section>
  );
}
