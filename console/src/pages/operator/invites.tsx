/**
 * Invites: create one (an account to join, or a new account; an optional email; an expiry), the link shown
 * once with a copy button; the list newest first with each invite's state; revoke an open one.
 */
import { useState } from 'preact/hooks';
import { fieldError, sendJson, withQuery } from '../../api/client.js';
import type { CreatedInviteView, CreateInviteBody, InviteView, Page } from '../../api/types.js';
import { Link, useQueryState } from '../../router/router.js';
import { CopyButton } from '../../ui/copy.js';
import { Confirm, Dialog } from '../../ui/dialog.js';
import { Filters } from '../../ui/filters.js';
import { ActionForm, TextField } from '../../ui/form.js';
import { time } from '../../ui/format.js';
import { PageHead } from '../../ui/layout.js';
import { Pager } from '../../ui/pager.js';
import { Loaded } from '../../ui/status.js';
import { Table } from '../../ui/table.js';
import { useApi } from '../../ui/use-api.js';
import { t } from './messages.js';

const INVITES = '/v1/admin/invites';

function stateNames(): Array<[InviteView['state'], string]> {
  return [
    ['open', t('stateOpen')],
    ['used', t('stateUsed')],
    ['revoked', t('stateRevoked')],
    ['expired', t('stateExpired')],
  ];
}

export function InvitesPage() {
  const [q] = useQueryState();
  const list = useApi<Page<InviteView>>(withQuery(INVITES, { state: q.state, account_id: q.account_id, after: q.after, limit: 50 }));
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'created'; invite: CreatedInviteView } | { kind: 'revoke'; invite: InviteView } | null>(
    null,
  );
  const close = () => setDialog(null);
  const states = stateNames();
  const stateName = (s: InviteView['state']) => states.find(([v]) => v === s)?.[1] ?? s;
  return (
    <>
      <PageHead title={t('invitesTitle')}>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
          {t('newInvite')}
        </button>
      </PageHead>
      <Filters
        fields={[
          { name: 'state', label: t('state'), options: states },
          { name: 'account_id', label: t('accountId') },
        ]}
      />
      <Loaded state={list}>
        {(l) => (
          <>
            <Table
              rows={l.data}
              rowKey={(i) => i.id}
              caption={t('invitesTitle')}
              busy={list.loading}
              empty={t('noInvites')}
              columns={[
                { title: t('created'), nowrap: true, cell: (i) => time(i.created) },
                { title: t('invite'), cell: (i) => <code class="small">{i.id}</code> },
                {
                  title: t('account'),
                  cell: (i) =>
                    i.account_id ? (
                      <Link to={`/accounts/${encodeURIComponent(i.account_id)}`}>{i.account_id}</Link>
                    ) : (
                      <span class="muted">{t('newAccount')}</span>
                    ),
                },
                { title: t('email'), cell: (i) => i.email ?? <span class="muted">{t('anyEmail')}</span> },
                // When it was used or revoked under its state, so the table fits a laptop's width.
                {
                  title: t('state'),
                  cell: (i) => (
                    <>
                      <span class={`badge ${i.state === 'open' ? 'active' : i.state}`}>{stateName(i.state)}</span>
                      {i.used_at || i.revoked_at ? <div class="small nowrap">{time(i.used_at ?? i.revoked_at)}</div> : null}
                    </>
                  ),
                },
                { title: t('expires'), nowrap: true, cell: (i) => time(i.expires_at) },
                {
                  title: t('actions'),
                  cell: (i) =>
                    i.state === 'open' ? (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setDialog({ kind: 'revoke', invite: i })}
                        aria-label={t('revokeInviteLabel', { id: i.id })}
                      >
                        {t('revoke')}
                      </button>
                    ) : null,
                },
              ]}
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
      {dialog?.kind === 'create' ? (
        <CreateInvite
          accountId={q.account_id ?? ''}
          onClose={close}
          onCreated={(invite) => {
            setDialog({ kind: 'created', invite });
            list.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'created' ? <ShowLink invite={dialog.invite} onClose={close} /> : null}
      {dialog?.kind === 'revoke' ? (
        <Confirm
          title={t('revokeInviteTitle')}
          message={t('revokeInviteMessage')}
          confirm={t('revokeInvite')}
          onClose={close}
          onConfirm={async () => {
            await sendJson('POST', `${INVITES}/${encodeURIComponent(dialog.invite.id)}/revoke`);
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

function CreateInvite(props: { accountId: string; onClose: () => void; onCreated: (i: CreatedInviteView) => void }) {
  const [accountId, setAccountId] = useState(props.accountId);
  const [email, setEmail] = useState('');
  const [hours, setHours] = useState('168');
  const create = async () => {
    const h = Number(hours);
    if (!Number.isInteger(h) || h < 1) throw fieldError('expires_in_hours', t('badHours'));
    const body: CreateInviteBody = {
      ...(accountId.trim() ? { account_id: accountId.trim() } : {}),
      ...(email.trim() ? { email: email.trim() } : {}),
      expires_in_hours: h,
    };
    props.onCreated(await sendJson<CreatedInviteView>('POST', INVITES, body));
  };
  return (
    <Dialog title={t('newInvite')} onClose={props.onClose}>
      <ActionForm action={create} submit={t('createInvite')}>
        <div class="grid">
          <TextField label={t('inviteAccount')} hint={t('inviteAccountHint')} placeholder="acct_…" value={accountId} onValue={setAccountId} />
          <TextField label={t('inviteEmail')} type="email" hint={t('inviteEmailHint')} value={email} onValue={setEmail} />
          <TextField label={t('inviteExpires')} inputMode="numeric" hint={t('inviteExpiresHint')} value={hours} onValue={setHours} />
        </div>
      </ActionForm>
    </Dialog>
  );
}

function ShowLink(props: { invite: CreatedInviteView; onClose: () => void }) {
  return (
    <Dialog title={t('inviteCreated')} onClose={props.onClose}>
      <p class="note warn-box">{t('inviteOnce')}</p>
      <div class="secret">
        <label for="invite-link">{t('inviteLink')}</label>
        <div class="secret-row">
          <input id="invite-link" readOnly value={props.invite.url} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={props.invite.url} label={t('copyLink')} />
        </div>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          {t('done')}
        </button>
      </div>
    </Dialog>
  );
}
