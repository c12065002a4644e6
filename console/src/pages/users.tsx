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
      <PageHead title="Users">
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
          New user
        </button>
      </PageHead>
      <Loaded state={users}>
        {(l) => (
          <Table
            rows={l.data}
            rowKey={(u) => u.id}
            caption="Console users"
            busy={users.loading}
            empty="No console users yet."
            columns={[
              { title: 'Email', cell: (u) => u.email },
              { title: 'Role', cell: (u) => (u.role === 'member' ? `member of ${u.account_id ?? '—'}` : 'operator') },
              { title: 'State', cell: (u) => <span class={`badge ${u.disabled ? 'revoked' : 'active'}`}>{u.disabled ? 'disabled' : 'active'}</span> },
              { title: 'Last sign-in', nowrap: true, cell: (u) => time(u.last_sign_in_at) },
              { title: 'Created', nowrap: true, cell: (u) => time(u.created) },
              {
                title: 'Actions',
                cell: (u) => (
                  <span class="row-actions">
                    <button type="button" onClick={() => setDialog({ kind: 'password', user: u })} aria-label={`Set password of ${u.email}`}>
                      Set password
                    </button>
                    {u.disabled ? (
                      <button type="button" onClick={() => update(u, { disabled: false })} aria-label={`Enable ${u.email}`}>
                        Enable
                      </button>
                    ) : (
                      <button type="button" class="danger" onClick={() => setDialog({ kind: 'disable', user: u })} aria-label={`Disable ${u.email}`}>
                        Disable
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
          title={`Disable ${dialog.user.email}?`}
          message="The user is signed out everywhere and cannot sign in until enabled again."
          confirm="Disable user"
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
    <Dialog title="New user" onClose={props.onClose}>
      <ActionForm action={create} submit="Create user">
        <TextField label="Email" type="email" autoComplete="off" value={email} onValue={setEmail} required autoFocus />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters."
          value={password}
          onValue={setPassword}
          required
        />
        <SelectField
          label="Role"
          value={role}
          onValue={(v) => setRole(v === 'member' ? 'member' : 'operator')}
          options={[
            ['operator', 'Operator: sees and manages everything'],
            ['member', 'Member of one account'],
          ]}
        />
        {role === 'member' ? <TextField label="Account id" value={accountId} onValue={setAccountId} required /> : null}
      </ActionForm>
    </Dialog>
  );
}

function SetPassword(props: { user: UserView; onClose: () => void; onSave: (password: string) => Promise<void> }) {
  const [password, setPassword] = useState('');
  return (
    <Dialog title={`New password for ${props.user.email}`} onClose={props.onClose}>
      <ActionForm action={() => props.onSave(password)} submit="Set password">
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. The user's sessions end."
          value={password}
          onValue={setPassword}
          required
          autoFocus
        />
      </ActionForm>
    </Dialog>
  );
}
