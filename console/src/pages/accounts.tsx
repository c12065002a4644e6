/** Accounts: searched (`q`) and paged by the gateway, newest first; open one, create one with an opening credit. */
import { useState } from 'preact/hooks';
import { fieldError, sendJson, withQuery } from '../api/client.js';
import type { AccountView, Page } from '../api/types.js';
import { Link, navigate, useQueryState } from '../router/router.js';
import { Dialog } from '../ui/dialog.js';
import { Filters } from '../ui/filters.js';
import { ActionForm, TextField } from '../ui/form.js';
import { count, money, parseMoney, time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './accounts.messages.js';

export function AccountsPage() {
  const [q] = useQueryState();
  const [creating, setCreating] = useState(false);
  const list = useApi<Page<AccountView>>(withQuery('/v1/admin/accounts', { q: q.q, after: q.after, limit: 50 }));
  return (
    <>
      <PageHead title={t('title')}>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          {t('newAccount')}
        </button>
      </PageHead>
      <Filters fields={[{ name: 'q', label: t('search'), type: 'search' }]} />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(a) => a.id}
              caption={t('title')}
              busy={list.loading}
              empty={q.q ? t('noMatch') : t('none')}
              columns={[
                { title: t('name'), cell: (a) => <Link to={`/accounts/${encodeURIComponent(a.id)}`}>{a.name}</Link> },
                { title: t('id'), cell: (a) => <code>{a.id}</code> },
                { title: t('balance'), numeric: true, cell: (a) => money(a.balance, a.currency) },
                { title: t('held'), numeric: true, cell: (a) => money(a.held, a.currency) },
                { title: t('openHolds'), numeric: true, cell: (a) => count(a.open_holds) },
                { title: t('created'), nowrap: true, cell: (a) => time(a.created) },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
      {creating ? <CreateAccount onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function CreateAccount(props: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [credit, setCredit] = useState('0');
  const create = async () => {
    const micro = parseMoney(credit);
    if (micro === null) throw fieldError('credit', t('badAmount'));
    const a = await sendJson<AccountView>('POST', '/v1/admin/accounts', { name, credit: micro });
    navigate(`/accounts/${encodeURIComponent(a.id)}`);
  };
  return (
    <Dialog title={t('newAccount')} onClose={props.onClose}>
      <ActionForm action={create} submit={t('createAccount')}>
        <TextField label={t('name')} value={name} onValue={setName} required autoFocus />
        <TextField label={t('openingCredit')} hint={t('openingCreditHint')} inputMode="decimal" value={credit} onValue={setCredit} />
      </ActionForm>
    </Dialog>
  );
}
