/**
 * A member's API keys: list, create within the account's key policy (shown above the form, so a refusal is
 * no surprise), the secret shown once with a copy button, revoke after a confirmation.
 */
import { useState } from 'preact/hooks';
import { sendJson, withQuery } from '../../api/client.js';
import type { CreatedKey, KeyPolicy, KeyView, Page } from '../../api/types.js';
import { useQueryState } from '../../router/router.js';
import { useCurrency } from '../../ui/currency.js';
import { Confirm, Dialog } from '../../ui/dialog.js';
import { ActionForm } from '../../ui/form.js';
import { KeyTable } from '../../ui/key-table.js';
import { PageHead } from '../../ui/layout.js';
import { Pager } from '../../ui/pager.js';
import { Loaded } from '../../ui/status.js';
import { useApi } from '../../ui/use-api.js';
import { attributesOf, KeyFields, useKeyDraft } from '../key-form.js';
import { ShowSecret } from '../keys.js';
import { useMemberAccount } from './account.js';
import { t } from './messages.js';

const KEYS = '/v1/console/account/keys';

export function MemberKeysPage() {
  const [q] = useQueryState();
  const keys = useApi<Page<KeyView>>(withQuery(KEYS, { after: q.after, limit: 50 }));
  const account = useMemberAccount();
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'created'; key: CreatedKey } | { kind: 'revoke'; key: KeyView } | null>(null);
  const close = () => setDialog(null);
  return (
    <>
      <PageHead title={t('keysTitle')}>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })}>
          {t('newKey')}
        </button>
      </PageHead>
      {account.data ? <PolicySummary policy={account.data.key_policy} /> : null}
      <Loaded state={keys}>
        {(l) => (
          <>
            <KeyTable
              keys={l.data}
              account={false}
              busy={keys.loading}
              empty={t('noKeys')}
              actions={(k) =>
                k.status === 'active' ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => setDialog({ kind: 'revoke', key: k })}
                    aria-label={t('revokeLabel', { name: k.name ?? k.id })}
                  >
                    {t('revoke')}
                  </button>
                ) : null
              }
            />
            <Pager hasMore={l.has_more} lastId={l.last_id} shown={l.data.length} />
          </>
        )}
      </Loaded>
      {dialog?.kind === 'create' ? (
        <CreateKey
          policy={account.data?.key_policy}
          onClose={close}
          onCreated={(key) => {
            setDialog({ kind: 'created', key });
            keys.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'created' ? <ShowSecret created={dialog.key} onClose={close} /> : null}
      {dialog?.kind === 'revoke' ? (
        <Confirm
          title={t('revokeTitle')}
          message={t('revokeMessage', { name: dialog.key.name ?? dialog.key.prefix })}
          confirm={t('revokeConfirm')}
          onClose={close}
          onConfirm={async () => {
            await sendJson('POST', `${KEYS}/${encodeURIComponent(dialog.key.id)}/revoke`);
            keys.reload();
          }}
        />
      ) : null}
    </>
  );
}

/** What the operator lets this account's keys have; the server holds every key to it. */
function PolicySummary({ policy }: { policy: KeyPolicy }) {
  const cap = (what: string, n: number | null) => (n === null ? t('policyNoLimit', { what }) : t('policyLimit', { what, n }));
  const yes = (b: boolean) => (b ? t('allowed') : t('notAllowed'));
  return (
    <section class="card policy" aria-labelledby="policy-title">
      <h2 id="policy-title">{t('policyTitle')}</h2>
      <ul>
        <li>{policy.models ? t('policyModels', { models: policy.models.join(', ') }) : t('policyAnyModel')}</li>
        <li>{cap(t('rpm'), policy.max_rpm)}</li>
        <li>{cap(t('ipm'), policy.max_ipm)}</li>
        <li>{cap(t('concurrency'), policy.max_concurrency)}</li>
        <li>{t('policyDrop', { allowed: yes(policy.allow_drop_unsupported) })}</li>
        <li>{t('policyCallback', { allowed: yes(policy.allow_callback_url) })}</li>
      </ul>
      <p class="muted">{t('policyLeftOut')}</p>
    </section>
  );
}

function CreateKey(props: { policy: KeyPolicy | undefined; onClose: () => void; onCreated: (k: CreatedKey) => void }) {
  const [draft, set] = useKeyDraft();
  const currency = useCurrency();
  const create = async () => {
    const attrs = attributesOf(draft);
    // A limit left empty is left out, so the server gives it the policy's cap instead of refusing "no limit".
    const body = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== null));
    props.onCreated(await sendJson<CreatedKey>('POST', KEYS, body));
  };
  return (
    <Dialog title={t('newKey')} onClose={props.onClose}>
      {props.policy ? <PolicySummary policy={props.policy} /> : null}
      <ActionForm action={create} submit={t('createKey')}>
        <KeyFields draft={draft} set={set} currency={currency} />
      </ActionForm>
    </Dialog>
  );
}
