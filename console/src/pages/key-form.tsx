/**
 * The attributes of a key as a form, for create and edit: every attribute the API takes. Empty limits mean
 * "no limit" (null); money caps are typed in currency units and sent as micro-units.
 */
import { useState } from 'preact/hooks';
import { fieldError } from '../api/client.js';
import type { KeyAttributes, KeyView } from '../api/types.js';
import { CheckField, TextField } from '../ui/form.js';
import { moneyInput, parseMoney } from '../ui/format.js';
import { t } from './keys.messages.js';

export interface KeyDraft {
  name: string;
  models: string;
  rpm: string;
  ipm: string;
  max_concurrency: string;
  spend_cap_day: string;
  spend_cap_month: string;
  expires_at: string;
  drop_unsupported: boolean;
  callback_url: string;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** A datetime-local value for unix seconds, in the browser's time zone. */
function localInput(sec: number | null): string {
  if (sec === null) return '';
  const d = new Date(sec * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function draftOf(k?: KeyView): KeyDraft {
  return {
    name: k?.name ?? '',
    models: k?.models?.join(', ') ?? '',
    rpm: num(k?.rpm),
    ipm: num(k?.ipm),
    max_concurrency: num(k?.max_concurrency),
    spend_cap_day: moneyInput(k?.spend_cap_day),
    spend_cap_month: moneyInput(k?.spend_cap_month),
    expires_at: localInput(k?.expires_at ?? null),
    drop_unsupported: k?.drop_unsupported ?? false,
    callback_url: k?.callback_url ?? '',
  };
}

function count(field: string, v: string): number | null {
  if (!v.trim()) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw fieldError(field, t('badCount'));
  return n;
}

function cap(field: string, v: string): number | null {
  if (!v.trim()) return null;
  const n = parseMoney(v);
  if (n === null) throw fieldError(field, t('badCap'));
  return n;
}

/** The draft as the API's key attributes; throws a field error for a value the API would refuse anyway. */
export function attributesOf(d: KeyDraft): KeyAttributes {
  const models = d.models
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const expires = d.expires_at ? Math.floor(new Date(d.expires_at).getTime() / 1000) : null;
  return {
    ...(d.name.trim() ? { name: d.name.trim() } : {}),
    models: models.length ? models : null,
    rpm: count('rpm', d.rpm),
    ipm: count('ipm', d.ipm),
    max_concurrency: count('max_concurrency', d.max_concurrency),
    spend_cap_day: cap('spend_cap_day', d.spend_cap_day),
    spend_cap_month: cap('spend_cap_month', d.spend_cap_month),
    expires_at: expires,
    drop_unsupported: d.drop_unsupported,
    callback_url: d.callback_url.trim() || null,
  };
}

export function useKeyDraft(k?: KeyView): [KeyDraft, (patch: Partial<KeyDraft>) => void] {
  const [d, setD] = useState(() => draftOf(k));
  return [d, (patch) => setD((old) => ({ ...old, ...patch }))];
}

export function KeyFields(props: { draft: KeyDraft; set: (patch: Partial<KeyDraft>) => void; currency: string }) {
  const { draft: d, set } = props;
  return (
    <div class="grid">
      <TextField label={t('name')} value={d.name} onValue={(v) => set({ name: v })} />
      <TextField label={t('models')} hint={t('modelsHint')} value={d.models} onValue={(v) => set({ models: v })} />
      <TextField label={t('rpm')} inputMode="numeric" hint={t('noLimit')} value={d.rpm} onValue={(v) => set({ rpm: v })} />
      <TextField label={t('ipm')} inputMode="numeric" hint={t('noLimit')} value={d.ipm} onValue={(v) => set({ ipm: v })} />
      <TextField label={t('concurrency')} inputMode="numeric" hint={t('noLimit')} value={d.max_concurrency} onValue={(v) => set({ max_concurrency: v })} />
      <TextField label={t('capDay', { currency: props.currency })} inputMode="decimal" value={d.spend_cap_day} onValue={(v) => set({ spend_cap_day: v })} />
      <TextField
        label={t('capMonth', { currency: props.currency })}
        inputMode="decimal"
        value={d.spend_cap_month}
        onValue={(v) => set({ spend_cap_month: v })}
      />
      <TextField label={t('expires')} type="datetime-local" hint={t('expiresHint')} value={d.expires_at} onValue={(v) => set({ expires_at: v })} />
      <TextField label={t('callback')} type="url" hint={t('callbackHint')} value={d.callback_url} onValue={(v) => set({ callback_url: v })} />
      <CheckField label={t('dropUnsupported')} checked={d.drop_unsupported} onValue={(v) => set({ drop_unsupported: v })} />
    </div>
  );
}
