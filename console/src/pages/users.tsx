/** Console users: list, create an operator or a member, disable or enable, set a password. */
import { useState } from 'preact/hooks';
import { sendJson } from '../api/client.js';
import type { CreateUserBody, List, UpdateUserBody, UserView } from '../api/types.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { ActionForm, SelectField, TextField } from '../ui/form.js';
import { time } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './users.messages.js';

type DialogState = { kind: 'create' } | { kind: 'password' | 'disable'; user: UserView } | null;

export function UsersPage() {
  const users = useApi<List<UserView>>('/v1/admin/users');
  const [dialog, setDialog] = useState<DialogState>(null);
  const close = () => setDialog(null);
  const update = async (u: UserView, body: UpdateUserBody) => {
    await sendJson<UserView>('PATCH', `/v1/admin/users/${encodeURIComponent(u.id)}`, body);
    users.reload();
  };
  return (
    <>
      <PageHead title={t('title')}>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
          {t('newUser')}
        </button>
      </PageHead>
      <Loaded state={users}>
        {(l) => (
          <Table
            rows={l.data}
            rowKey={(u) => u.id}
            caption={t('caption')}
            busy={users.loading}
            empty={t('empty')}
            columns={[
              { title: t('email'), cell: (u) => u.email },
              { title: t('role'), cell: (u) => (u.role === 'member' ? t('memberOf', { account: u.account_id ?? '—' }) : t('operator')) },
              { title: t('state'), cell: (u) => <span class={`badge ${u.disabled ? 'revoked' : 'active'}`}>{u.disabled ? t('disabled') : t('active')}</span> },
              { title: t('lastSignIn'), nowrap: true, cell: (u) => time(u.last_sign_in_at) },
              { title: t('created'), nowrap: true, cell: (u) => time(u.created) },
              {
                title: t('actions'),
                cell: (u) => (
                  <span class="row-actions">
                    <button type="button" onClick={() => setDialog({ kind: 'password', user: u })} aria-label={t('setPasswordOf', { email: u.email })}>
                      {t('setPassword')}
                    </button>
                    {u.disabled ? (
                      <button type="button" onClick={() => update(u, { disabled: false })} aria-label={t('enableOf', { email: u.email })}>
                        {t('enable')}
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setDialog({ kind: 'disable', user: u })}
                        aria-label={t('disableOf', { email: u.email })}
                      >
                        {t('disable')}
                      </button>
                    )}
                  </span>
                ),
              },
            ]}
          />
        )}
      </Loaded>
      {dialog?.kind === 'create' ? (
        <CreateUser
          onClose={close}
          onCreated={() => {
            close();
            users.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'password' ? (
        <SetPassword user={dialog.user} onClose={close} onSave={(password) => update(dialog.user, { password }).then(close)} />
      ) : null}
      {dialog?.kind === 'disable' ? (
        <Confirm
          title={t('disableTitle', { email: dialog.user.email })}
          message={t('disableText')}
          confirm={t('disableUser')}
          onClose={close}
          onConfirm={() => update(dialog.user, { disabled: true })}
        />
      ) : null}
    </>
  );
}

function CreateUser(props: { onClose: () => void; onCreated: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<CreateUserBody['role']>('operator');
  const [accountId, setAccountId] = useState('');
  const create = async () => {
    const body: CreateUserBody = { email, password, role, ...(role === 'member' ? { account_id: accountId.trim() || null } : {}) };
    await sendJson<UserView>('POST', '/v1/admin/users', body);
    props.onCreated();
  };
  return (
    <Dialog title={t('newUser')} onClose={props.onClose}>
      <ActionForm action={create} submit={t('createUser')}>
        <TextField label={t('email')} type="email" autoComplete="off" value={email} onValue={setEmail} required autoFocus />
        <TextField label={t('password')} type="password" autoComplete="new-password" hint={t('passwordHint')} value={password} onValue={setPassword} required />
        <SelectField
          label={t('role')}
          value={role}
          onValue={(v) => setRole(v === 'member' ? 'member' : 'operator')}
          options={[
            ['operator', t('roleOperator')],
            ['member', t('roleMember')],
          ]}
        />
        {role === 'member' ? <TextField label={t('accountId')} value={accountId} onValue={setAccountId} required /> : null}
      </ActionForm>
    </Dialog>
  );
}

function SetPassword(props: { user: UserView; onClose: () => void; onSave: (password: string) => Promise<void> }) {
  const [password, setPassword] = useState('');
  return (
    <Dialog title={t('newPasswordFor', { email: props.user.email })} onClose={props.onClose}>
      <ActionForm action={() => props.onSave(password)} submit={t('setPassword')}>
        <TextField
          label={t('newPassword')}
          type="password"
          autoComplete="new-password"
          hint={t('newPasswordHint')}
          value={password}
          onValue={setPassword}
          required
          autoFocus
        />
      </ActionForm>
    </Dialog>
  );
}
