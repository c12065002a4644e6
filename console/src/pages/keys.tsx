/** Keys: filtered and paged by the gateway, create (the secret shown once), edit limits, revoke after a confirmation. */
import { useState } from 'preact/hooks';
import { sendJson, withQuery } from '../api/client.js';
import type { CreateKeyBody, CreatedKey, KeyView, Page } from '../api/types.js';
import { useQueryState } from '../router/router.js';
import { CopyButton } from '../ui/copy.js';
import { useCurrency } from '../ui/currency.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { Filters } from '../ui/filters.js';
import { ActionForm, CheckField, TextField } from '../ui/form.js';
import { KeyTable } from '../ui/key-table.js';
import { PageHead } from '../ui/layout.js';
import { Pager } from '../ui/pager.js';
import { Loaded } from '../ui/status.js';
import { useApi } from '../ui/use-api.js';
import { attributesOf, KeyFields, useKeyDraft } from './key-form.js';
import { t } from './keys.messages.js';

export function KeysPage() {
  const [q] = useQueryState();
  const currency = useCurrency();
  const keys = useApi<Page<KeyView>>(
    withQuery('/v1/admin/keys', { account_id: q.account_id, admin: q.admin, status: q.status, q: q.q, after: q.after, limit: 50 }),
  );
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'created'; key: CreatedKey } | { kind: 'edit' | 'revoke'; key: KeyView } | null>(null);
  const close = () => setDialog(null);
  return (
    <>
      <PageHead title={t('title')}>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
          {t('newKey')}
        </button>
      </PageHead>
      <Filters
        fields={[
          { name: 'q', label: t('search'), type: 'search', placeholder: 'sk-ig-…' },
          { name: 'account_id', label: t('accountId') },
          {
            name: 'status',
            label: t('status'),
            options: [
              ['active', t('active')],
              ['revoked', t('revoked')],
              ['expired', t('expired')],
            ],
          },
          {
            name: 'admin',
            label: t('kind'),
            options: [
              ['false', t('clientKeys')],
              ['true', t('adminKeys')],
            ],
          },
        ]}
      />
      <Loaded state={keys}>
        {(l) => (
          <>
            <KeyTable
              keys={l.data}
              busy={keys.loading}
              empty={t('noMatch')}
              actions={(k) =>
                k.status === 'active' ? (
                  <span class="row-actions">
                    <button type="button" onClick={() => setDialog({ kind: 'edit', key: k })} aria-label={t('editOf', { name: k.name ?? k.id })}>
                      {t('edit')}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setDialog({ kind: 'revoke', key: k })}
                      aria-label={t('revokeOf', { name: k.name ?? k.id })}
                    >
                      {t('revoke')}
                    </button>
                  </span>
                ) : null
              }
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
      {dialog?.kind === 'create' ? (
        <CreateKey
          accountId={q.account_id ?? ''}
          currency={currency}
          onClose={close}
          onCreated={(key) => {
            setDialog({ kind: 'created', key });
            keys.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'created' ? <ShowSecret created={dialog.key} onClose={close} /> : null}
      {dialog?.kind === 'edit' ? (
        <EditKey
          k={dialog.key}
          currency={currency}
          onClose={close}
          onSaved={() => {
            close();
            keys.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'revoke' ? (
        <Confirm
          title={t('revokeTitle')}
          message={t('revokeText', { name: dialog.key.name ?? dialog.key.prefix })}
          confirm={t('revokeKey')}
          onClose={close}
          onConfirm={async () => {
            await sendJson('POST', `/v1/admin/keys/${encodeURIComponent(dialog.key.id)}/revoke`);
            keys.reload();
          }}
        />
      ) : null}
    </>
  );
}

function CreateKey(props: { accountId: string; currency: string; onClose: () => void; onCreated: (k: CreatedKey) => void }) {
  const [draft, set] = useKeyDraft();
  const [accountId, setAccountId] = useState(props.accountId);
  const [admin, setAdmin] = useState(false);
  const create = async () => {
    const body: CreateKeyBody = { ...attributesOf(draft), ...(accountId.trim() ? { account_id: accountId.trim() } : {}), admin };
    props.onCreated(await sendJson<CreatedKey>('POST', '/v1/admin/keys', body));
  };
  return (
    <Dialog title={t('newKey')} onClose={props.onClose}>
      <ActionForm action={create} submit={t('createKey')}>
        <div class="grid">
          <TextField label={t('accountId')} hint={t('accountHint')} value={accountId} onValue={setAccountId} />
          <CheckField label={t('adminKey')} checked={admin} onValue={setAdmin} />
        </div>
        <KeyFields draft={draft} set={set} currency={props.currency} />
      </ActionForm>
    </Dialog>
  );
}

export function ShowSecret(props: { created: CreatedKey; onClose: () => void }) {
  const k = props.created;
  return (
    <Dialog title={t('created')} onClose={props.onClose}>
      <p class="note warn-box">{t('copyNow')}</p>
      <div class="secret">
        <label for="key-secret">{t('secret')}</label>
        <div class="secret-row">
          <input id="key-secret" readOnly value={k.key} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={k.key} label={t('copySecret')} />
        </div>
      </div>
      {k.webhook_secret ? (
        <div class="secret">
          <label for="webhook-secret">{t('webhookSecret')}</label>
          <div class="secret-row">
            <input id="webhook-secret" readOnly value={k.webhook_secret} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={k.webhook_secret} label={t('copyWebhook')} />
          </div>
        </div>
      ) : null}
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          {t('copiedIt')}
        </button>
      </div>
    </Dialog>
  );
}

function EditKey(props: { k: KeyView; currency: string; onClose: () => void; onSaved: () => void }) {
  const [draft, set] = useKeyDraft(props.k);
  const save = async () => {
    await sendJson<KeyView>('PATCH', `/v1/admin/keys/${encodeURIComponent(props.k.id)}`, attributesOf(draft));
    props.onSaved();
  };
  return (
    <Dialog title={t('editOf', { name: props.k.name ?? props.k.prefix })} onClose={props.onClose}>
      <ActionForm action={save} submit={t('save')}>
        <KeyFields draft={draft} set={set} currency={props.currency} />
      </ActionForm>
    </Dialog>
  );
}
