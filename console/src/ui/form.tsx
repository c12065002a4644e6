/** Form pieces: every input has a visible label tied to it, and a failed submit names its field in place. */
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes } from 'preact';
import { useId, useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { t } from './messages.js';
import { ErrorNote, asApiError } from './status.js';

export function Field(props: { label: string; hint?: string; children: (id: string) => ComponentChildren; wide?: boolean }) {
  const id = useId();
  return (
    <div class={props.wide ? 'field wide' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint ? <small class="muted">{props.hint}</small> : null}
    </div>
  );
}

type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value' | 'label' | 'role'> & {
  type?: 'text' | 'search' | 'email' | 'password' | 'url' | 'datetime-local';
  label: string;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
};

export function TextField({ label, hint, value, onValue, ...rest }: InputProps) {
  // Preact pairs each input type with the roles it allows; these types take no role, so the pairing holds.
  const attrs = rest as InputHTMLAttributes<HTMLInputElement>;
  return (
    <Field label={label} hint={hint}>
      {(id) => <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} {...attrs} />}
    </Field>
  );
}

export function SelectField(props: { label: string; value: string; onValue: (v: string) => void; options: Array<[value: string, text: string]> }) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
          {props.options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function CheckField(props: { label: string; checked: boolean; onValue: (v: boolean) => void }) {
  const id = useId();
  return (
    <div class="field check">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onValue(e.currentTarget.checked)} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/**
 * A form that runs `action` on submit, disables its button meanwhile and shows the gateway's error in place.
 */
export function ActionForm(props: { action: () => Promise<void>; submit: string; children: ComponentChildren; class?: string; danger?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.action();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class={props.class ?? 'form'} onSubmit={onSubmit} noValidate>
      {props.children}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy}>
          {busy ? t('working') : props.submit}
        </button>
      </div>
    </form>
  );
}
