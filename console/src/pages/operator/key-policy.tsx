/**
 * An account's key policy on its page: what its members may give their own keys (models, the highest limits,
 * dropping unsupported fields, a default callback), with an editor. `PATCH /v1/admin/accounts/:id` stores it;
 * keys made before keep their attributes.
 */
import { useState } from 'preact/hooks';
import { fieldError, sendJson } from '../../api/client.js';
import type { AccountView, KeyPolicy } from '../../api/types.js';
import { Dialog } from '../../ui/dialog.js';
import { ActionForm, CheckField, TextField } from '../../ui/form.js';
import { count } from '../../ui/format.js';
import { Facts } from '../../ui/table.js';
import { t } from './messages.js';

const isNone = (p: KeyPolicy) =>
  p.models === null && p.max_rpm === null && p.max_ipm === null && p.max_concurrency === null && p.allow_drop_unsupported && p.allow_callback_url;

export function KeyPolicySection(props: { account: AccountView; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const p = props.account.key_policy;
  const cap = (n: number | null) => (n === null ? t('noCap') : count(n));
  const yes = (b: boolean) => (b ? t('yes') : t('no'));
  return (
    <>
      <div class="section-head">
        <h2>{t('policyTitle')}</h2>
        <button type="button" onClick={() => setEditing(true)}>
          {t('editPolicy')}
        </button>
      </div>
      {isNone(p) ? (
        <p class="muted">{t('policyNone')}</p>
      ) : (
        <Facts
          items={[
            [t('policyModels'), p.models ? p.models.join(', ') : t('policyAnyModel')],
            [t('policyRpm'), cap(p.max_rpm)],
            [t('policyIpm'), cap(p.max_ipm)],
            [t('policyConcurrency'), cap(p.max_concurrency)],
            [t('policyDrop'), yes(p.allow_drop_unsupported)],
            [t('policyCallback'), yes(p.allow_callback_url)],
          ]}
        />
      )}
      {editing ? (
        <EditPolicy
          account={props.account}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            props.onSaved();
          }}
        />
      ) : null}
    </>
  );
}

function capOf(field: string, v: string): number | null {
  if (!v.trim()) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw fieldError(field, t('badCap'));
  return n;
}

const text = (n: number | null) => (n === null ? '' : String(n));

function EditPolicy(props: { account: AccountView; onClose: () => void; onSaved: () => void }) {
  const p = props.account.key_policy;
  const [models, setModels] = useState(p.models?.join(', ') ?? '');
  const [rpm, setRpm] = useState(text(p.max_rpm));
  const [ipm, setIpm] = useState(text(p.max_ipm));
  const [concurrency, setConcurrency] = useState(text(p.max_concurrency));
  const [drop, setDrop] = useState(p.allow_drop_unsupported);
  const [callback, setCallback] = useState(p.allow_callback_url);
  const path = `/v1/admin/accounts/${encodeURIComponent(props.account.id)}`;
  const save = async () => {
    const list = models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const policy: KeyPolicy = {
      models: list.length ? list : null,
      max_rpm: capOf('max_rpm', rpm),
      max_ipm: capOf('max_ipm', ipm),
      max_concurrency: capOf('max_concurrency', concurrency),
      allow_drop_unsupported: drop,
      allow_callback_url: callback,
    };
    await sendJson<AccountView>('PATCH', path, { key_policy: isNone(policy) ? null : policy });
    props.onSaved();
  };
  const clear = async () => {
    await sendJson<AccountView>('PATCH', path, { key_policy: null });
    props.onSaved();
  };
  return (
    <Dialog title={t('editPolicy')} onClose={props.onClose}>
      <ActionForm action={save} submit={t('save')}>
        <div class="grid">
          <TextField label={t('policyModels')} hint={t('modelsHint')} value={models} onValue={setModels} />
          <TextField label={t('policyRpm')} inputMode="numeric" hint={t('capHint')} value={rpm} onValue={setRpm} />
          <TextField label={t('policyIpm')} inputMode="numeric" hint={t('capHint')} value={ipm} onValue={setIpm} />
          <TextField label={t('policyConcurrency')} inputMode="numeric" hint={t('capHint')} value={concurrency} onValue={setConcurrency} />
          <CheckField label={t('policyDrop')} checked={drop} onValue={setDrop} />
          <CheckField label={t('policyCallback')} checked={callback} onValue={setCallback} />
        </div>
      </ActionForm>
      <ActionForm action={clear} submit={t('clearPolicy')} danger>
        {null}
      </ActionForm>
    </Dialog>
  );
}
